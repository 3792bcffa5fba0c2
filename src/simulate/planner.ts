import type { Overrides } from '../../detectors/_shared/fixtures.ts';
import { entraSignInBy, oktaGrantBy, oktaSsoBy } from '../../detectors/_shared/fixtures-logging.ts';
import { SOURCE_KINDS, type SourceKind } from '../decode/types.ts';
import type { Logger } from '../telemetry/logger.ts';
import { bedrockRecords, dailyCostReports, hourlyUsagePages } from './billing.ts';
import { INCIDENT_KINDS, type IncidentPlan, type OrdinaryChange, type TimedRecord } from './incidents.ts';
import { chatCalls, claudeSession, int, pick, reviewBotCalls, seeded, type Call, type Rng, type Session } from './traffic.ts';
import { flatEvent, gatewayRecord, otlpBatch } from './wire.ts';
import { APPS, MODELS, PEOPLE, REVIEW_BOT_KEY, TEAM_DAILY_BUDGETS, type Person } from './world.ts';
import { pushTo } from './multimap.ts';

/**
 * What the simulated organization does, hour by hour, without a clock or a broker: each simulated
 * hour is planned when asked for, with as many Claude Code sessions, chat calls and sign-ins as
 * fill `messagesPerHour`, plus incidents (incidents.ts) at seeded random times. Providers report
 * late, as their exports do: an hour's usage pages once the hour has been closed for an hour, a
 * day's cost reports after its last hour's; Bedrock invocation logs per request. `due(t)` hands
 * out every record written at or before simulated time t, in time order. The live simulator
 * drains it against the real clock; a bench or a test can drain it all at once.
 */

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Draws per incident before its slot stays empty (planner plantIncidents). */
const DRAWS_PER_INCIDENT = 5;
const iso = (ms: number) => new Date(ms).toISOString();

export const SIMULATED_TEAMS = ['team-platform-eng', 'team-data', 'team-web', 'team-ml'] as const;

/** The share of each team's daily budget its background work may spend (tokens likewise). */
export const BACKGROUND_BUDGET_SHARE = 0.4;
/** Hours of background work the calibration samples. */
const CALIBRATION_HOURS = 3;

export interface PlannerOptions {
  /** Simulated time to start at (epoch ms). */
  start: number;
  /** Kafka messages per simulated hour, over the four topics. */
  messagesPerHour: number;
  /** How many of the example policy's teams work (1–4, default 4). */
  teams?: number;
  seed?: number;
  /** Expected incidents per simulated hour (default 1). */
  incidentsPerHour?: number;
  /** No incident in the hours starting at or after this simulated time (epoch ms): ordinary traffic only from there. */
  incidentsBefore?: number;
  /** Only incidents of these kinds (incidents.ts ids; default: every kind). */
  incidentKinds?: readonly string[];
  /**
   * Only these topics' records (default: all four). The day is the same either way — the same
   * draws from the seed — but a bench that needs the gateway topic alone does not pay for
   * formatting the agent telemetry, most of the planner's CPU.
   */
  sources?: readonly SourceKind[];
  log?: Logger;
}

export interface PlannedRecord extends TimedRecord {
  /** The planted incidents (indexes into `planted`) this record is part of. */
  incidents?: number[];
}

export interface TrafficPlanner {
  /** Records written at or before simulated time t, in time order (each handed out once). */
  due(t: number): PlannedRecord[];
  readonly planted: readonly IncidentPlan[];
  plannedHours(): number;
}

export function trafficPlanner(opts: PlannerOptions): TrafficPlanner {
  const r: Rng = seeded(opts.seed ?? 1);
  const teams = SIMULATED_TEAMS.slice(0, Math.min(4, Math.max(1, opts.teams ?? 4)));
  let people: Person[] = Object.values(PEOPLE).filter((p) => (teams as readonly string[]).includes(p.team));
  const messagesPerHour = opts.messagesPerHour;

  const pending: PlannedRecord[] = [];
  const planted: IncidentPlan[] = [];
  const callsByHour = new Map<number, Call[]>();
  const extras = { anthropic: new Map<number, Overrides[]>(), openai: new Map<number, Overrides[]>(), openaiCosts: new Map<number, Overrides[]>() };
  let nextHour = Math.floor(opts.start / HOUR) * HOUR;
  const firstHour = nextHour;
  /** detector, entity and UTC day of every alert the planted incidents expect. */
  const expectedOn = new Set<string>();
  let plannedHours = 0;
  let billedUpTo = nextHour;

  const kinds = opts.incidentKinds ? INCIDENT_KINDS.filter((k) => opts.incidentKinds?.includes(k.id)) : INCIDENT_KINDS;
  const tokenScale = calibrateTokenScale(people, messagesPerHour, opts.seed ?? 1);
  /** Incidents' changes to a team's ordinary sessions, dropped once their last hour is planned. */
  let ordinary: OrdinaryChange[] = [];
  const wanted = new Set<SourceKind>(opts.sources ?? SOURCE_KINDS);
  const enqueue = (recs: TimedRecord[], incident?: number) => {
    for (const rec of recs) if (wanted.has(rec.source)) pending.push(incident === undefined ? rec : { ...rec, incidents: [incident] });
  };

  /** A call's gateway row (when it ended) and Bedrock's invocation log; the call is kept for the hour's bill. */
  function callRecords(calls: readonly Call[]): TimedRecord[] {
    return calls.flatMap((c) => {
      pushTo(callsByHour, Math.floor(c.at / HOUR) * HOUR, c);
      const doc = gatewayRecord(c);
      return [
        ...(doc ? [{ at: c.at + c.durationMs, source: 'gateway' as const, doc }] : []),
        ...bedrockRecords([c]).map((b) => ({ at: c.at + c.durationMs + 150, source: 'billing' as const, doc: b })),
      ];
    });
  }

  /** A session's records: its calls' and its telemetry (one OTLP batch per turn, or flat events). */
  function sessionRecords(s: Session): TimedRecord[] {
    const out = callRecords(s.calls);
    if (!wanted.has('agent')) return out;
    for (const turn of s.turns) {
      if (s.person.telemetry === 'otlp') out.push({ at: Math.max(...turn.map((e) => e.at)), source: 'agent', doc: otlpBatch(s, turn) });
      else for (const e of turn) out.push({ at: e.at, source: 'agent', doc: flatEvent(s, e) });
    }
    return out;
  }

  /** One simulated hour of governed work, sized to the message budget. */
  function planHour(hour: number): void {
    const recs: TimedRecord[] = [];
    for (const p of people) {
      recs.push(...callRecords(chatCalls(r, p, hour, [0, 1], MODELS.gpt5mini, [1, 3])));
      recs.push({ at: hour + int(r, 1, 10) * MIN, source: 'idp', doc: oktaGrantBy(p, iso(hour + int(r, 1, 10) * MIN), { id: APPS.oktaGateway.id }, 'app.oauth2.as.token.grant.refresh_token') });
      if (r() < 0.3) recs.push({ at: hour + int(r, 10, 50) * MIN, source: 'idp', doc: entraSignInBy(p, iso(hour + int(r, 10, 50) * MIN), pick(r, APPS.entra), { interactive: false }) });
      if (r() < 0.2) recs.push({ at: hour + int(r, 10, 50) * MIN, source: 'idp', doc: oktaSsoBy(p, iso(hour + int(r, 10, 50) * MIN), pick(r, APPS.okta)) });
    }
    if (people.includes(PEOPLE.dave)) recs.push(...callRecords(reviewBotCalls(r, REVIEW_BOT_KEY, PEOPLE.dave, hour, [0, 1])));
    // Incidents first: some change a share of this hour's ordinary sessions (`ordinary`).
    plantIncidents(hour);
    // Sessions until the hour holds its share of messages (at least one, so a low rate still shows work).
    let budget = messagesPerHour - recs.length;
    do {
      const s = backgroundSession(r, people, hour, tokenScale);
      const start = s.calls[0]?.at ?? hour;
      for (const o of ordinary) if (s.person.team === o.team && start >= o.from && start < o.to && r() < o.share) o.change(s);
      const sr = sessionRecords(s);
      recs.push(...sr);
      budget -= sr.length + (wanted.has('agent') ? 0 : telemetryMessages(s));
    } while (budget > 0);
    enqueue(recs);
    ordinary = ordinary.filter((o) => o.to > hour + HOUR);
    plannedHours += 1;
  }

  function plantIncidents(hour: number): void {
    if (opts.incidentsBefore !== undefined && hour >= opts.incidentsBefore) return;
    let n = 0;
    const expected = opts.incidentsPerHour ?? 1;
    // Poisson with mean `expected`: count exponential inter-arrival gaps that fit in the hour.
    for (let x = -Math.log(1 - r()); x < expected && n < 10; x += -Math.log(1 - r())) n += 1;
    for (let i = 0; i < n; i += 1) {
      // A draw that cannot be planted (below, or the kind has no one to plant it on now) is drawn again, a few times at
      // most, so a run keeps its rate of incidents and its spread over the kinds.
      for (let attempt = 0; attempt < DRAWS_PER_INCIDENT && !plantOne(hour); attempt += 1);
    }
  }

  /** Draws one incident in the hour and plants it; false when the draw cannot be planted. */
  function plantOne(hour: number): boolean {
    const kind = pick(r, kinds);
    const t = hour + int(r, 0, 50) * MIN;
    if (hour - firstHour < (kind.historyHours ?? 0) * HOUR) return false;
    const plan = kind.plant(r, people, t, planted);
    // The last person working never leaves: someone must keep the simulation going.
    if (!plan || (plan.retire && people.length <= 1)) return false;
    // One alert per detector, entity and window (every detector's incident window is its UTC day): an incident on an
    // entity an earlier one of the day already expects would be found by that one's alert, so the scorecard could
    // not tell whether it was found.
    const day = Math.floor(plan.start / DAY);
    const keys = plan.expected.map((e) => `${e.detector}\n${e.entity}\n${day}`);
    if (keys.some((k) => expectedOn.has(k))) return false;
    for (const k of keys) expectedOn.add(k);
    const index = planted.length;
    planted.push(plan);
    enqueue([...plan.sessions.flatMap((s) => sessionRecords(s)), ...plan.records], index);
    for (const [h, o] of plan.anthropic ?? []) pushTo(extras.anthropic, h, o);
    for (const [h, o] of plan.openai ?? []) pushTo(extras.openai, h, o);
    for (const [d, o] of plan.openaiCosts ?? []) pushTo(extras.openaiCosts, d, o);
    if (plan.retire) people = people.filter((p) => p !== plan.retire);
    if (plan.ordinary) ordinary.push(plan.ordinary);
    opts.log?.debug({ kind: plan.kind, at: iso(plan.start), expected: plan.expected.map((e) => `${e.detector} ${e.entity}`) }, 'Incident planned');
    return true;
  }

  /**
   * Bills every hour whose calls are complete (the hour after it is planned: sessions end within
   * 50 minutes). The usage API is polled an hour after a bucket closes, so an hour's pages are
   * produced two hours and five minutes after it starts; a day's cost reports after its last hour's.
   */
  function closeBuckets(): void {
    while (billedUpTo + 2 * HOUR <= nextHour) {
      const hour = billedUpTo;
      const at = hour + 2 * HOUR + 5 * MIN;
      const pages = hourlyUsagePages(r, hour, callsByHour.get(hour) ?? [], { anthropic: extras.anthropic.get(hour) ?? [], openai: extras.openai.get(hour) ?? [] });
      const owners = planted.flatMap((p, i) => ((p.anthropic ?? []).some(([h]) => h === hour) || (p.openai ?? []).some(([h]) => h === hour) ? [i] : []));
      if (wanted.has('billing')) for (const doc of pages) pending.push({ at, source: 'billing', doc, incidents: owners });
      if ((hour + HOUR) % DAY === 0) {
        const day = hour + HOUR - DAY;
        const calls = [...callsByHour].filter(([h]) => h >= day && h < day + DAY).flatMap(([, cs]) => cs);
        const costs = dailyCostReports(day, calls, extras.openaiCosts.get(day) ?? []);
        if (wanted.has('billing')) for (const doc of costs) pending.push({ at: at + 5 * MIN, source: 'billing', doc });
        for (const h of [...callsByHour.keys()]) if (h < day + DAY) callsByHour.delete(h);
        extras.openaiCosts.delete(day);
      }
      extras.anthropic.delete(hour);
      extras.openai.delete(hour);
      billedUpTo += HOUR;
    }
  }


  return {
    due(t) {
      while (nextHour <= t) {
        planHour(nextHour);
        nextHour += HOUR;
        closeBuckets();
      }
      pending.sort((x, y) => x.at - y.at);
      let n = 0;
      while (n < pending.length && (pending[n] as PlannedRecord).at <= t) n += 1;
      return pending.splice(0, n);
    },
    planted,
    plannedHours: () => plannedHours,
  };
}

/** One ordinary Claude Code session of someone working, starting in the hour. */
function backgroundSession(r: Rng, people: readonly Person[], hour: number, tokenScale: ReadonlyMap<string, number>): Session {
  const p = pick(r, people);
  const start = hour + int(r, 0, 55) * MIN;
  const via = p.kongConsumer && r() < 0.3 ? 'kong' : 'litellm';
  const model = p.team === 'team-ml' && via === 'litellm' ? pick(r, [MODELS.sonnet, MODELS.sonnetBedrock, MODELS.opus]) : undefined;
  // Sessions end within 50 minutes, so an hour's calls are complete when the next hour ends.
  return claudeSession(r, { person: p, start, end: start + int(r, 10, 50) * MIN, via, ...(model ? { model } : {}), tokenScale: tokenScale.get(p.team) ?? 1 });
}

/** The telemetry messages of a session: one OTLP batch per turn, or one flat event each. */
function telemetryMessages(s: Session): number {
  return s.person.telemetry === 'otlp' ? s.turns.length : s.turns.reduce((n, turn) => n + turn.length, 0);
}

/** Gateway rows and telemetry messages a session makes (the planner's message budget counts both). */
function sessionMessages(s: Session): number {
  return s.calls.filter((c) => c.via !== 'direct').length + telemetryMessages(s);
}

/**
 * Per team, the factor on its background sessions' tokens that keeps the team's day inside
 * BACKGROUND_BUDGET_SHARE of its approved daily budget (dollars and, where set, tokens). The hour
 * is filled with as many sessions as the message rate asks for, so without it the bill grows with
 * the rate: at 2,000 msg/s × 120 every team passed its budget within the first simulated hour and
 * the budget detectors alerted on ordinary traffic. A higher rate now means denser traffic, not a
 * bigger bill. Sampled from CALIBRATION_HOURS hours drawn the way planHour draws them, from an RNG
 * of its own so the day itself is the same draws as before.
 */
function calibrateTokenScale(people: readonly Person[], messagesPerHour: number, seed: number): Map<string, number> {
  const r = seeded(seed + 7919);
  const usd = new Map<string, number>();
  const tokens = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, x: number) => m.set(k, (m.get(k) ?? 0) + x);
  // What every hour holds besides sessions (chat, the review bot) is not scaled; the sessions get the rest of the share.
  const fixedUsd = new Map<string, number>();
  for (let h = 0; h < CALIBRATION_HOURS; h += 1) {
    for (const p of people) for (const c of chatCalls(r, p, h * HOUR, [0, 1], MODELS.gpt5mini, [1, 3])) add(fixedUsd, c.team, c.costUsd);
    if (people.includes(PEOPLE.dave)) for (const c of reviewBotCalls(r, REVIEW_BOT_KEY, PEOPLE.dave, h * HOUR, [0, 1])) add(fixedUsd, c.team, c.costUsd);
    let budget = messagesPerHour;
    do {
      const s = backgroundSession(r, people, h * HOUR, new Map());
      for (const c of s.calls) {
        add(usd, s.person.team, c.costUsd);
        add(tokens, s.person.team, c.tokens.uncached + c.tokens.cacheRead + c.tokens.cacheWrite + c.tokens.output);
      }
      budget -= sessionMessages(s);
    } while (budget > 0);
  }
  const perDay = 24 / CALIBRATION_HOURS;
  const scale = new Map<string, number>();
  for (const [team, spent] of usd) {
    const limit = TEAM_DAILY_BUDGETS[team];
    if (!limit || spent === 0) continue;
    const byUsd = Math.max(0, BACKGROUND_BUDGET_SHARE * limit.usd - (fixedUsd.get(team) ?? 0) * perDay) / (spent * perDay);
    const byTokens = limit.tokens ? (BACKGROUND_BUDGET_SHARE * limit.tokens) / ((tokens.get(team) ?? 0) * perDay) : Infinity;
    scale.set(team, Math.min(1, byUsd, byTokens));
  }
  return scale;
}

/** Every record written in [start, end) at once: what the live simulator produces over that span (benches, tests). */
export function simulatedRecords(opts: PlannerOptions & { end: number }): PlannedRecord[] {
  return trafficPlanner(opts).due(opts.end - 1);
}
