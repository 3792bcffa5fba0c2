import { bedrockInvocation, claudeCodeReportPage, FIXTURE_DAY } from '../../detectors/_shared/fixtures.ts';
import { anthropicResult, bedrockTokens, openAiResult } from '../../detectors/_shared/fixtures-finops.ts';
import { entraServicePrincipalSignIn, oktaLifecycle } from '../../detectors/_shared/fixtures-identity.ts';
import { entraSignInBy, oktaSsoBy } from '../../detectors/_shared/fixtures-logging.ts';
import { priceTokens, type TokenCounts } from '../../detectors/_shared/model-prices.ts';
import type { SourceKind } from '../decode/types.ts';
import { billingRecords } from './billing.ts';
import { clock, dayTraffic, type DayTraffic } from './day.ts';
import { idpRecords, type Workday } from './idp.ts';
import { plantedAlerts, type PlantedAlert, type PlantFacts } from './planted.ts';
import { plantBoundaryIncidents } from './planted-boundaries.ts';
import { credentialRecords } from './planted-credentials.ts';
import { chatCalls, claudeSession, resumed, seeded, uuid, type Call, type Session } from './traffic.ts';
import { agentRecords, gatewayRecord } from './wire.ts';
import { APPS, CI_KEY, CI_RUNNER, CREDENTIALS, ML_SHARED_KEY, MODELS, PEOPLE, type Person } from './world.ts';

/**
 * The planted day: FIXTURE_DAY (a fixed day, detectors/_shared/fixtures.ts) of the four teams'
 * governed traffic in every source, the seven days before it of gateway logs (the baselines
 * prompt-log-gap and spend-above-approved read), and planted incidents of every kind the detectors
 * look for. Each incident changes what people actually did; its expected alerts are in planted.ts.
 */

type Doc = Record<string, unknown>;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
export const HISTORY_DAYS = 7;

export interface Scenario {
  day: string;
  window: { from: Date; to: Date };
  records: Record<SourceKind, Doc[]>;
  planted: PlantedAlert[];
  facts: PlantFacts;
}

const { alice, dana, carol, omar, dave, erin, frank } = PEOPLE;
/** A shared team-ml devbox: Claude Code on API-key auth (telemetry has only the install id). */
const DEVBOX: Person = { ...frank, installId: 'c0ffee5a'.repeat(8), ip: '10.30.9.9', terminal: 'tmux', telemetry: 'flat', litellmFormat: 'spend_log' };
/** The CI runner: headless Claude Code (telemetry off) on a LiteLLM key nobody owns. */
const CI: Person = { ...dana, ip: CI_RUNNER.ip, litellmFormat: 'spend_log' };
/** A contractor on a claude.ai seat: in Anthropic's Claude Code report, in no gateway log, not in the policy. */
export const CONTRACTOR = 'grace.liu@example.com';
export const FRANK_SSO = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0a1b2c3d/frank.ortiz@example.com';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const total = (t: TokenCounts) => t.uncached + t.cacheRead + t.cacheWrite + t.output;
function tokensOfCalls(calls: readonly Call[]): TokenCounts {
  return calls.reduce((a, c) => ({ uncached: a.uncached + c.tokens.uncached, cacheRead: a.cacheRead + c.tokens.cacheRead, cacheWrite: a.cacheWrite + c.tokens.cacheWrite, output: a.output + c.tokens.output }), { uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0 });
}

export function plantedDay(): Scenario {
  const dayStart = Date.parse(`${FIXTURE_DAY}T00:00:00Z`);
  const at = (hhmm: string) => clock(dayStart, hhmm);
  const r = seeded(20_261_120);
  const ids = { bypass: uuid(r), shared: uuid(r), anon: uuid(r), ci: uuid(r) };
  const sessionsOf: Record<string, Session[]> = {};
  const keep = (name: string, ss: Session[]) => ((sessionsOf[name] = ss), ss);

  // ---- the planted day: the schedule, with some slots changed by incidents ----
  const traffic: DayTraffic = dayTraffic(r, dayStart, {
    // dave switches Claude Code to his own Console login for an hour: no gateway, billed to his Anthropic account.
    'dave-morning': () => keep('dave', [
      claudeSession(r, { person: dave, start: at('09:01'), end: at('09:56'), via: 'litellm' }),
      claudeSession(r, { person: dave, start: at('10:03'), end: at('10:55'), via: 'direct', id: ids.bypass }),
      claudeSession(r, { person: dave, start: at('11:02'), end: at('11:30'), via: 'litellm' }),
    ]),
    // A LiteLLM node without store_prompts_in_spend_logs serves dana's midday session.
    'dana-midday': (s, e) => keep('dana', [claudeSession(r, { person: dana, start: s, end: e, via: 'litellm', logged: false })]),
    // carol switches her coding agent to Opus, approved for team-ml only.
    'carol-midday': (s, e) => keep('carol', [claudeSession(r, { person: carol, start: s, end: e, via: 'litellm', modelAt: (t) => (t >= at('11:10') && t < at('11:30') ? MODELS.opus : MODELS.sonnet) })]),
    // Anthropic behind Kong is overloaded: requests for Sonnet are silently answered by Haiku.
    'alice-kong': (s, e) => keep('alice-kong', [claudeSession(r, {
      person: alice, start: s, end: e, via: 'kong',
      modelAt: (t) => (t >= at('10:40') && t < at('10:55') ? { requested: 'claude-sonnet-4-5', served: 'claude-haiku-4-5-20251001', provider: 'anthropic' } : MODELS.sonnetKong),
    })]),
    // alice's late session is resumed on carol's machine under carol's login and key.
    'alice-late': () => {
      const first = claudeSession(r, { person: alice, start: at('16:20'), end: at('16:50'), via: 'litellm', id: ids.shared });
      return keep('shared', [first, claudeSession(r, { person: carol, start: at('16:55'), end: at('17:20'), via: 'litellm', ...resumed(first) })]);
    },
    // omar tries an MCP server his team has not approved.
    'omar-morning': (s, e) => {
      const session = claudeSession(r, { person: omar, start: s, end: e, via: 'litellm' });
      for (const i of [3, 8, 13]) {
        const tool = session.turns[i]?.find((ev) => ev.name === 'tool_result');
        if (tool) tool.tool = 'mcp__notion__search';
      }
      return keep('omar', [session]);
    },
  });
  const boundaryAlerts = plantBoundaryIncidents(traffic.sessions, at);
  const workday: Workday = new Map();
  for (const s of traffic.sessions) {
    const span = workday.get(s.person) ?? [Infinity, 0];
    workday.set(s.person, [Math.min(span[0], s.calls[0]?.at ?? Infinity), Math.max(span[1], s.calls.at(-1)?.at ?? 0)]);
  }

  const extra = [
    // carol's agent loops on a failing migration: parallel subagents with huge contexts for an hour.
    ...keep('runaway', [claudeSession(r, { person: carol, start: at('15:00:30'), end: at('15:58'), via: 'litellm', size: 'huge', gap: [15, 30], calls: [3, 3], tools: ['Task', 'Bash', 'Read', 'Edit'] })]),
    // omar's laptop keeps working on his key hours after the IdP deactivated him.
    ...keep('leaver', [claudeSession(r, { person: omar, start: at('19:31'), end: at('19:52'), via: 'litellm' })]),
    // erin's long-context refactor: team-ml spends far above its own baseline, no approved budget change.
    ...keep('refactor', [claudeSession(r, { person: erin, start: at('21:00'), end: at('23:00'), via: 'litellm', size: 'huge', gap: [150, 240] })]),
    // A shared team-ml devbox on API-key auth and an unowned key.
    ...keep('anon', [claudeSession(r, { person: DEVBOX, start: at('21:05'), end: at('21:25'), via: 'litellm', id: ids.anon, key: ML_SHARED_KEY, auth: 'apikey', otelTeam: 'ml', tools: ['Bash', 'Read'] })]),
    // The nightly CI job: headless Claude Code, telemetry off, a key nobody owns, from the runner's address.
    ...keep('ci', [claudeSession(r, { person: CI, start: at('03:01'), end: at('03:20'), via: 'litellm', id: ids.ci, key: CI_KEY, gap: [60, 90] })]),
  ];
  const webHaikuChat = chatCalls(r, dave, dayStart, [15, 16], MODELS.haiku, [3, 3]);
  const sessions = [...traffic.sessions, ...extra];
  const calls = [...traffic.calls, ...extra.flatMap((s) => s.calls), ...webHaikuChat];

  // ---- provider side ----
  const bypassCalls = sessionsOf['dave']?.[1]?.calls ?? [];
  const mlBatch = { uncached: 3_000_000, cacheRead: 400_000, cacheWrite: 0, output: 600_000 };
  const mlBatchUsd = priceTokens('gpt-4.1-mini-2025-04-14', mlBatch).usd;
  const billing = billingRecords(r, dayStart, calls, {
    anthropic: new Map([[at('10:00'), [anthropicResult(tokensOfCalls(bypassCalls), { api_key_id: null, workspace_id: null, account_id: dave.accountId, model: 'claude-sonnet-4-5-20250929' })]]]),
    // team-ml's batch job runs outside the gateway on the gateway's project for team-ml.
    openai: new Map([[at('02:00'), [openAiResult(mlBatch, { ...CREDENTIALS.openaiMlBatch, model: 'gpt-4.1-mini-2025-04-14', num_model_requests: 1180, batch: true })]]]),
    openaiCosts: [{ amount: { value: Math.round(mlBatchUsd * 1e4) / 1e4, currency: 'usd' }, ...CREDENTIALS.openaiMlBatch, line_item: 'gpt-4.1-mini, batch input', quantity: null }],
  });
  // frank calls Bedrock from a notebook with his own SSO role.
  const directBedrock = Array.from({ length: 10 }, (_, i) => bedrockInvocation(iso(at('20:02') + i * 170_000), {
    identity: { arn: FRANK_SSO }, operation: 'Converse', modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    ...bedrockTokens({ uncached: 18_000 + i * 500, cacheRead: 0, cacheWrite: 0, output: 1800 }),
  }));

  // Anthropic's Claude Code analytics for the day: dave (who also worked through the gateway that
  // day) and grace, a contractor on a claude.ai seat whom no gateway saw.
  const claudeCodeReport = claudeCodeReportPage(iso(dayStart), [
    { email: dave.email, models: [{ model: 'claude-sonnet-4-5-20250929', input: 52_000, output: 8_100, cents: 214 }] },
    { email: CONTRACTOR, sessions: 4, overrides: { customer_type: 'subscription', subscription_type: 'team' },
      models: [{ model: 'claude-sonnet-4-5-20250929', input: 41_000, output: 6_300, cents: 167 }, { model: 'claude-haiku-4-5-20251001', input: 9_000, output: 1_200, cents: 2 }] },
  ]);
  // ---- static credentials: a client secret where federation is expected, a key past its age ----
  const credentials = credentialRecords(at);

  // ---- identity plane ----
  const idp = [
    ...idpRecords(r, dayStart, workday),
    entraServicePrincipalSignIn(iso(at('03:00') + 5_000)),
    entraSignInBy(dana, iso(at('09:40')), APPS.claudeForWork),
    oktaSsoBy(erin, iso(at('13:10')), APPS.chatGpt),
    oktaLifecycle(iso(at('15:00') + 12_000), 'user.lifecycle.deactivate', omar.email),
    ...credentials.idp,
  ];

  // ---- the week before: the same teams' gateway logs ----
  const history: Call[] = [];
  for (let d = 1; d <= HISTORY_DAYS; d += 1) history.push(...dayTraffic(seeded(1000 + d), dayStart - d * DAY).calls);

  const records: Record<SourceKind, Doc[]> = {
    gateway: [...history, ...calls].flatMap((c): Doc[] => { const doc = gatewayRecord(c); return doc ? [doc] : []; }),
    // CI runs with telemetry off.
    agent: sessions.filter((s) => s.id !== ids.ci).flatMap(agentRecords),
    billing: [...billing, ...directBedrock, claudeCodeReport, ...credentials.billing],
    idp,
  };
  const facts = factsOf(dayStart, calls, history, sessionsOf, mlBatchUsd);
  return {
    day: FIXTURE_DAY,
    window: { from: new Date(dayStart), to: new Date(dayStart + DAY) },
    records,
    planted: [...plantedAlerts({ ids, frankSso: FRANK_SSO, at }), ...boundaryAlerts],
    facts,
  };
}

/** Figures of the planted day the expectations and the self-checks are computed from. */
function factsOf(dayStart: number, calls: readonly Call[], history: readonly Call[], sessionsOf: Record<string, Session[]>, mlBatchUsd: number): PlantFacts {
  const spend = (cs: readonly Call[], team: string, until = Infinity) => sum(cs.filter((c) => c.team === team && c.via !== 'direct' && c.at < until).map((c) => c.costUsd));
  const inHour = (cs: readonly Call[], day: number, h: number) => cs.filter((c) => c.at >= day + h * HOUR && c.at < day + (h + 1) * HOUR && c.via !== 'direct');
  const historyDays = Array.from({ length: HISTORY_DAYS }, (_, i) => dayStart - (i + 1) * DAY);
  const platform11 = inHour(calls, dayStart, 11).filter((c) => c.team === 'team-platform-eng');
  return {
    bypassRequests: sessionsOf['dave']?.[1]?.calls.length ?? 0,
    bypassTokens: total(tokensOfCalls(sessionsOf['dave']?.[1]?.calls ?? [])),
    webHour10History: historyDays.map((d) => inHour(history, d, 10).filter((c) => c.team === 'team-web').length),
    webHour10: inHour(calls, dayStart, 10).filter((c) => c.team === 'team-web').length,
    dataSpendBefore15: spend(calls, 'team-data', dayStart + 15 * HOUR),
    dataSpendBy16: spend(calls, 'team-data', dayStart + 16 * HOUR),
    mlSpend: spend(calls, 'team-ml'),
    mlHistorySpend: historyDays.map((d) => spend(history.filter((c) => c.at >= d && c.at < d + DAY), 'team-ml')),
    platformHour11: { requests: platform11.length, unlogged: platform11.filter((c) => !c.logged).length },
    chatHour15: ['team-platform-eng', 'team-data', 'team-web'].map((t) => inHour(calls, dayStart, 15).filter((c) => c.taskClass === 'chat' && c.team === t).length),
    mlBatchUsd,
    sharedSessionPeople: (sessionsOf['shared'] ?? []).map((s) => s.person.email),
  };
}
