import { anthropicResult, bedrockTokens, openAiResult } from '../../detectors/_shared/fixtures-finops.ts';
import { bedrockInvocation, claudeCodeReportPage, type Overrides } from '../../detectors/_shared/fixtures.ts';
import { oktaLifecycle } from '../../detectors/_shared/fixtures-identity.ts';
import { entraSignInBy, oktaSsoBy } from '../../detectors/_shared/fixtures-logging.ts';
import { priceTokens, type TokenCounts } from '../../detectors/_shared/model-prices.ts';
import type { SourceKind } from '../decode/types.ts';
import { claudeSession, int, pick, resumed, uuid, type Call, type Rng, type Session } from './traffic.ts';
import { APPS, CREDENTIALS, ML_SHARED_KEY, MODELS, PEOPLE, type Person } from './world.ts';
import { BOUNDARY_INCIDENT_KINDS } from './boundary-incidents.ts';
import { CREDENTIAL_INCIDENT_KINDS } from './incidents-credentials.ts';

/**
 * The incident kinds the live simulator plants, each the shape the planted day already plants
 * (src/simulate/planted-day.ts), moved to a random time and, where the policy allows, a random
 * person: what people do, and the alerts it must raise (the ground truth). Every detector of the
 * corpus is covered by at least one kind; the planted day's baseline findings (a team that stops
 * logging against its own history, spend above a team's own baseline) need days of history and
 * are not planted live.
 */

type Doc = Record<string, unknown>;
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const hourOf = (ms: number) => Math.floor(ms / HOUR) * HOUR;

/** A record and the simulated time it is written at. */
export interface TimedRecord {
  at: number;
  source: SourceKind;
  doc: Doc;
}

export interface ExpectedAlert {
  detector: string;
  entity: string;
  team: string;
  identity: string;
  /**
   * The source whose records prove this alert, when the incident's first record cannot: a session
   * around the gateway starts with the agent's telemetry, but the credential is proved unmanaged
   * only by the provider's usage report, produced an hour after its hour closes. Event → alert
   * latency counts from the incident's first record of this source (default: its first record).
   */
  evidence?: SourceKind;
}

export interface IncidentPlan {
  kind: string;
  description: string;
  /** The span the incident describes: what its alerts' windows cover. */
  start: number;
  end: number;
  /** For an incident about the past (a report on yesterday): when its records go out; else `start`. */
  reportedAt?: number;
  expected: ExpectedAlert[];
  /** Claude Code sessions: their gateway rows (if any) and telemetry. */
  sessions: Session[];
  /** Records that are not a session's (sign-ins, invocation logs). */
  records: TimedRecord[];
  /** Provider usage the hourly pages of those hours must carry (usage outside every gateway). */
  anthropic?: [hour: number, result: Overrides][];
  openai?: [hour: number, result: Overrides][];
  openaiCosts?: [day: number, result: Overrides][];
  /** A person who leaves the company: no ordinary traffic after this incident. */
  retire?: Person;
  /**
   * What the incident does to the team's ordinary work: this share of the team's ordinary sessions
   * starting in [from, to) is changed by `change` (planner.ts applies it), so an incident that is a
   * team's share stays that share whatever the traffic's volume.
   */
  ordinary?: OrdinaryChange;
}

export interface OrdinaryChange {
  team: string;
  from: number;
  to: number;
  share: number;
  change: (s: Session) => void;
}

/** Every gateway call of the session stored without its prompt (a LiteLLM node without prompt storage). */
export function unlogged(s: Session): void {
  for (const c of s.calls) if (c.via === 'litellm') c.logged = false;
}

export interface IncidentKind {
  id: string;
  detectors: readonly string[];
  /**
   * A drift from the organisation's own baseline: planted only in hours at least this many hours after
   * the hour the run begins in. The run's first hour has no history to drift from (its detector judges
   * a team without history against an even prior, by design), so an incident there is not one.
   */
  historyHours?: number;
  /** `earlier`: the incidents this run has planted so far, oldest first. */
  plant(r: Rng, people: readonly Person[], t: number, earlier: readonly IncidentPlan[]): IncidentPlan | null;
}

const tokensOf = (calls: readonly Call[]): TokenCounts =>
  calls.reduce((a, c) => ({ uncached: a.uncached + c.tokens.uncached, cacheRead: a.cacheRead + c.tokens.cacheRead, cacheWrite: a.cacheWrite + c.tokens.cacheWrite, output: a.output + c.tokens.output }), { uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0 });
const inTeam = (people: readonly Person[], team: string) => people.filter((p) => p.team === team);
const plan = (p: Omit<IncidentPlan, 'sessions' | 'records'> & Partial<Pick<IncidentPlan, 'sessions' | 'records'>>): IncidentPlan => ({ sessions: [], records: [], ...p });

export const INCIDENT_KINDS: readonly IncidentKind[] = [
  {
    id: 'gateway-bypass',
    detectors: ['cross-source.session-without-gateway', 'billing.unmanaged-key-usage'],
    plant(r, people, t) {
      const p = pick(r, people);
      const s = claudeSession(r, { person: p, start: t, end: t + int(r, 20, 40) * MIN, via: 'direct' });
      const byHour = new Map<number, Call[]>();
      for (const c of s.calls) byHour.set(hourOf(c.at), [...(byHour.get(hourOf(c.at)) ?? []), c]);
      return plan({
        kind: this.id, description: `${p.email} runs Claude Code on their own Console login, around the gateway`, start: t, end: s.calls.at(-1)?.at ?? t, sessions: [s],
        anthropic: [...byHour].map(([h, cs]) => [h, anthropicResult(tokensOf(cs), { api_key_id: null, workspace_id: null, account_id: p.accountId, model: 'claude-sonnet-4-5-20250929' })]),
        expected: [
          { detector: 'cross-source.session-without-gateway', entity: `session:${s.id}`, team: p.team, identity: p.email },
          { detector: 'billing.unmanaged-key-usage', entity: `anthropic:account:${p.accountId}`, team: p.team, identity: p.email, evidence: 'billing' },
        ],
      });
    },
  },
  {
    id: 'personal-bedrock-role',
    detectors: ['billing.unmanaged-key-usage'],
    plant(r, people, t) {
      const p = pick(r, people);
      const arn = `arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0a1b2c3d/${p.email}`;
      const n = int(r, 8, 12);
      const records = Array.from({ length: n }, (_, i): TimedRecord => ({
        at: t + i * 170_000, source: 'billing',
        doc: bedrockInvocation(iso(t + i * 170_000), { identity: { arn }, operation: 'Converse', modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', ...bedrockTokens({ uncached: int(r, 15_000, 22_000), cacheRead: 0, cacheWrite: 0, output: 1800 }) }),
      }));
      return plan({
        kind: this.id, description: `${p.email} calls Bedrock from a notebook with their own SSO role`, start: t, end: t + (n - 1) * 170_000, records,
        expected: [{ detector: 'billing.unmanaged-key-usage', entity: `bedrock:${arn}`, team: p.team, identity: p.email }],
      });
    },
  },
  {
    id: 'unapproved-model',
    detectors: ['gateway.routing-drift', 'gateway.enforcement-drift'],
    plant(r, people, t) {
      // Opus is approved for team-ml only (policy.example.yaml).
      const candidates = people.filter((p) => p.team !== 'team-ml');
      if (candidates.length === 0) return null;
      const p = pick(r, candidates);
      const s = claudeSession(r, { person: p, start: t, end: t + 20 * MIN, via: 'litellm', model: MODELS.opus });
      return plan({
        kind: this.id, description: `${p.email} codes on Opus, not approved for ${p.team}`, start: t, end: t + 20 * MIN, sessions: [s],
        expected: [
          { detector: 'gateway.routing-drift', entity: `routing:${p.team}:coding:claude-opus-4-1-20250805`, team: p.team, identity: p.email },
          // The exported gateway configuration gives the team no Opus: the gateway served what it should refuse.
          { detector: 'gateway.enforcement-drift', entity: `enforcement:litellm:${p.team}:model:claude-opus-4-1-20250805`, team: p.team, identity: p.email },
        ],
      });
    },
  },
  {
    id: 'unapproved-mcp-server',
    detectors: ['cross-source.tool-scope-drift'],
    plant(r, people, t) {
      const p = pick(r, people);
      const s = claudeSession(r, { person: p, start: t, end: t + 40 * MIN, via: 'litellm' });
      for (const turn of s.turns.slice(1, 4)) {
        const tool = turn.find((e) => e.name === 'tool_result');
        if (tool) tool.tool = 'mcp__notion__search';
      }
      return plan({
        kind: this.id, description: `${p.email}'s agent calls the notion MCP server, approved for no team`, start: t, end: t + 40 * MIN, sessions: [s],
        expected: [{ detector: 'cross-source.tool-scope-drift', entity: `${p.team}:mcp:notion`, team: p.team, identity: p.email }],
      });
    },
  },
  {
    id: 'session-handover',
    detectors: ['cross-source.identity-switch'],
    plant(r, people, t) {
      if (people.length < 2) return null;
      const a = pick(r, people);
      const b = pick(r, people.filter((p) => p !== a));
      const id = uuid(r);
      const first = claudeSession(r, { person: a, start: t, end: t + 25 * MIN, via: 'litellm', id });
      const second = claudeSession(r, { person: b, start: t + 30 * MIN, end: t + 50 * MIN, via: 'litellm', ...resumed(first) });
      return plan({
        kind: this.id, description: `${a.email}'s session is resumed on ${b.email}'s machine under their login and key`, start: t, end: t + 50 * MIN, sessions: [first, second],
        expected: [{ detector: 'cross-source.identity-switch', entity: `session:${id}`, team: a.team, identity: a.email }],
      });
    },
  },
  {
    id: 'shared-devbox',
    detectors: ['cross-source.ownerless-session'],
    plant(r, people, t) {
      // The unowned key ml-shared belongs to team-ml, whose owner (policy) is accountable.
      const ml = inTeam(people, 'team-ml');
      if (ml.length === 0) return null;
      const box: Person = { ...pick(r, ml), installId: `devbox${uuid(r).replace(/-/g, '')}`.slice(0, 64), ip: '10.30.9.9', terminal: 'tmux', telemetry: 'flat', litellmFormat: 'spend_log' };
      const s = claudeSession(r, { person: box, start: t, end: t + 20 * MIN, via: 'litellm', key: ML_SHARED_KEY, auth: 'apikey', otelTeam: 'ml', tools: ['Bash', 'Read'] });
      return plan({
        kind: this.id, description: 'a shared team-ml devbox runs Claude Code on API-key auth and an unowned key', start: t, end: t + 20 * MIN, sessions: [s],
        expected: [{ detector: 'cross-source.ownerless-session', entity: `session:${s.id}`, team: 'team-ml', identity: PEOPLE.erin.email }],
      });
    },
  },
  {
    id: 'unapproved-ai-app',
    detectors: ['idp.unapproved-ai-app'],
    plant(r, people, t, earlier) {
      const p = pick(r, people);
      const drawn = r() < 0.5;
      // The detector alerts on a person's first grant to an app and again only after firstSeenDays (7), longer than a
      // run: a second grant of the same person and app is not an incident it raises, so the other app is planted, or
      // none (found 2026-12-07: dave.kim signed in to Claude for Work at 23:26 and again at 03:41, counted as a miss).
      const entityOf = (okta: boolean) => (okta ? `${p.email}:okta:${APPS.chatGpt.id}` : `${p.email}:entra:${APPS.claudeForWork.appId}`);
      const planted = new Set(earlier.filter((e) => e.kind === this.id).flatMap((e) => e.expected.map((x) => x.entity)));
      const okta = [drawn, !drawn].find((o) => !planted.has(entityOf(o)));
      if (okta === undefined) return null;
      const doc = okta ? oktaSsoBy(p, iso(t), APPS.chatGpt) : entraSignInBy(p, iso(t), APPS.claudeForWork);
      return plan({
        kind: this.id, description: `${p.email} signs in to ${okta ? APPS.chatGpt.name : APPS.claudeForWork.name}`, start: t, end: t, records: [{ at: t, source: 'idp', doc }],
        expected: [{ detector: 'idp.unapproved-ai-app', entity: entityOf(okta), team: p.team, identity: p.email }],
      });
    },
  },
  {
    id: 'batch-outside-gateway',
    detectors: ['cross-source.unreconciled-spend'],
    plant(r, people, t) {
      if (inTeam(people, 'team-ml').length === 0) return null;
      const hour = hourOf(t);
      const tokens = { uncached: int(r, 2_000_000, 4_000_000), cacheRead: 400_000, cacheWrite: 0, output: int(r, 400_000, 800_000) };
      const usd = priceTokens('gpt-4.1-mini-2025-04-14', tokens).usd;
      return plan({
        kind: this.id, description: "team-ml's batch job runs outside the gateway on the gateway's OpenAI project for team-ml", start: hour, end: hour + HOUR,
        openai: [[hour, openAiResult(tokens, { ...CREDENTIALS.openaiMlBatch, model: 'gpt-4.1-mini-2025-04-14', num_model_requests: int(r, 800, 1500), batch: true })]],
        openaiCosts: [[Math.floor(hour / DAY) * DAY, { amount: { value: Math.round(usd * 1e4) / 1e4, currency: 'usd' }, ...CREDENTIALS.openaiMlBatch, line_item: 'gpt-4.1-mini, batch input', quantity: null }]],
        expected: [{ detector: 'cross-source.unreconciled-spend', entity: 'ledger:litellm-prod/openai:gpt-4.1-mini-2025-04-14', team: 'team-ml', identity: PEOPLE.erin.email }],
      });
    },
  },
  {
    id: 'node-without-prompt-logging',
    detectors: ['gateway.prompt-log-gap'],
    plant(r, people, t) {
      // One node of four in the team's LiteLLM pool (sessions stick to a node): a quarter of the team's
      // sessions go unlogged, so the gap is as visible at 2,000 msg/s as at 20 (one session alone is 1 % of a busy hour).
      const p = pick(r, people);
      const s = claudeSession(r, { person: p, start: t, end: t + 50 * MIN, via: 'litellm', logged: false, gap: [60, 120] });
      return plan({
        kind: this.id, description: `a LiteLLM node without prompt storage serves ${p.email}'s session and a quarter of ${p.team}'s sessions for 50 minutes`,
        start: t, end: t + 50 * MIN, sessions: [s], ordinary: { team: p.team, from: t, to: t + 50 * MIN, share: 0.25, change: unlogged },
        expected: [{ detector: 'gateway.prompt-log-gap', entity: `${p.team}:unlogged-prompts`, team: p.team, identity: p.email }],
      });
    },
  },
  {
    id: 'runaway-agent',
    detectors: ['billing.spend-above-approved', 'gateway.enforcement-drift'],
    plant(r, people, t) {
      // team-data's $80/day budget is the one a single runaway hour crosses.
      const data = inTeam(people, 'team-data');
      if (data.length === 0) return null;
      // LiteLLM keeps serving team-data after the budget is spent (the next hour but one: the
      // runaway crosses it within its own hours), which enforcement-drift names when it is the same UTC day.
      const next = hourOf(t) + 2 * HOUR;
      if (Math.floor(next / DAY) !== Math.floor(t / DAY)) return null;
      const p = pick(r, data);
      const s = claudeSession(r, { person: p, start: t, end: t + 55 * MIN, via: 'litellm', size: 'huge', gap: [15, 30], calls: [3, 3], tools: ['Task', 'Bash', 'Read', 'Edit'] });
      const after = claudeSession(r, { person: p, start: next + 5 * MIN, end: next + 25 * MIN, via: 'litellm' });
      return plan({
        kind: this.id, description: `${p.email}'s agent loops with parallel subagents on huge contexts, past team-data's daily budget; LiteLLM keeps serving team-data after it`,
        start: t, end: next + 25 * MIN, sessions: [s, after],
        expected: [
          { detector: 'billing.spend-above-approved', entity: 'team:team-data:daily-budget', team: 'team-data', identity: p.email },
          { detector: 'gateway.enforcement-drift', entity: 'enforcement:litellm:team-data:budget', team: 'team-data', identity: p.email },
        ],
      });
    },
  },
  {
    id: 'claude-code-outside-gateway',
    detectors: ['cross-source.claude-code-without-gateway'],
    plant(r, _people, t) {
      // Anthropic's Claude Code analytics covers whole days and is read the day after: the report
      // that arrives now is yesterday's, and it names a contractor on a claude.ai seat whom no
      // gateway saw (not in the policy, so no team).
      const email = `contractor-${int(r, 100, 999)}@example.com`;
      const yesterday = Math.floor(t / DAY) * DAY - DAY;
      const page = claudeCodeReportPage(iso(yesterday), [{
        email, sessions: int(r, 2, 6), overrides: { customer_type: 'subscription', subscription_type: 'team' },
        models: [{ model: 'claude-sonnet-4-5-20250929', input: int(r, 20_000, 60_000), output: int(r, 4_000, 9_000), cents: int(r, 80, 300) }],
      }]);
      return plan({
        // The incident is yesterday's use, the day the alert's window covers; its evidence is produced now.
        kind: this.id, description: `Anthropic's Claude Code report for yesterday names ${email}, who used Claude Code on a claude.ai seat no gateway saw`,
        start: yesterday, end: yesterday + DAY - 1, reportedAt: t,
        records: [{ at: t, source: 'billing', doc: page }],
        expected: [{ detector: 'cross-source.claude-code-without-gateway', entity: `person:${email}`, team: '', identity: email }],
      });
    },
  },
  {
    id: 'leaver-keeps-working',
    detectors: ['idp.credential-after-offboarding'],
    plant(r, people, t) {
      const p = pick(r, people);
      const s = claudeSession(r, { person: p, start: t + 30 * MIN, end: t + 50 * MIN, via: 'litellm' });
      return plan({
        kind: this.id, description: `Okta deactivates ${p.email}; Claude Code on their laptop keeps using their LiteLLM key`, start: t, end: t + 50 * MIN, sessions: [s],
        records: [{ at: t + 12_000, source: 'idp', doc: oktaLifecycle(iso(t + 12_000), 'user.lifecycle.deactivate', p.email) }],
        expected: [{ detector: 'idp.credential-after-offboarding', entity: `user:${p.email}`, team: p.team, identity: p.email }],
        retire: p,
      });
    },
  },
  ...BOUNDARY_INCIDENT_KINDS,
  ...CREDENTIAL_INCIDENT_KINDS,
];

/** The detectors the live simulator plants incidents for (every kind's). */
export const COVERED_DETECTORS = [...new Set(INCIDENT_KINDS.flatMap((k) => k.detectors))].sort();
