import { CompressionTypes, type Message, type Producer } from 'kafkajs';
import { oktaGrantBy, entraSignInBy, oktaSsoBy } from '../../detectors/_shared/fixtures-logging.ts';
import type { Overrides } from '../../detectors/_shared/fixtures.ts';
import { SOURCE_KINDS, type SourceKind } from '../decode/types.ts';
import type { Logger } from '../telemetry/logger.ts';
import { bedrockRecords, dailyCostReports, hourlyUsagePages } from './billing.ts';
import { INCIDENT_KINDS, type IncidentPlan, type TimedRecord } from './incidents.ts';
import type { PlantedIncident } from './scorecard.ts';
import { chatCalls, claudeSession, int, pick, reviewBotCalls, seeded, type Call, type Rng, type Session } from './traffic.ts';
import { flatEvent, gatewayRecord, otlpBatch } from './wire.ts';
import { APPS, MODELS, PEOPLE, REVIEW_BOT_KEY, type Person } from './world.ts';

/**
 * The live simulator: the planted day's people, sessions and wire formats generated continuously.
 * Simulated time runs `speedup` times faster than real time; each simulated hour is planned when
 * the clock reaches it, with as many Claude Code sessions, chat calls and sign-ins as make `rate`
 * messages per real second, and each record is produced when the simulated clock passes its time.
 * Providers report late, as their exports do: hourly usage pages once the hour has been closed for
 * an hour, daily cost reports two hours into the next day; Bedrock invocation logs per request.
 * Incidents (incidents.ts) are planted at seeded random times; each is ground truth from the
 * moment its first record is produced.
 *
 * The simulated clock never passes the real one: events in the future are what ingest rejects and
 * what no detector window covers yet. So by default simulated time starts `speedup × duration`
 * in the past and catches up with the present at the end of the run; once caught up it runs at 1×.
 */

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

export const SIMULATED_TEAMS = ['team-platform-eng', 'team-data', 'team-web', 'team-ml'] as const;

export interface SimulatorOptions {
  /** A connected kafkajs producer; the simulator never connects or disconnects it. */
  producer: Producer;
  topics: Record<SourceKind, string>;
  /** Target Kafka messages per real second, over the four topics (default 200). */
  rate?: number;
  /** Simulated seconds per real second (default 60). */
  speedup?: number;
  /** How many of the example policy's teams work (1–4, default 4). */
  teams?: number;
  seed?: number;
  /** Simulated time to start at (epoch ms); default speedup × expectedDurationMs before now. */
  start?: number;
  /** How long the caller means to run (real ms), for the default start (default 90 s). */
  expectedDurationMs?: number;
  /** Expected incidents per simulated hour (default 1). */
  incidentsPerHour?: number;
  /** Real clock (epoch ms); injected by tests. */
  now?: () => number;
  log?: Logger;
  /** Real milliseconds between production rounds (default 200). */
  tickMs?: number;
  /** Real milliseconds between progress lines (default 10 s). */
  progressEveryMs?: number;
}

export interface SimulatorStats {
  simulatedTime: string;
  produced: Record<SourceKind, number>;
  incidents: number;
  plannedHours: number;
}

export interface Simulator {
  stop(): Promise<void>;
  truth(): PlantedIncident[];
  stats(): SimulatorStats;
  /** Rejects when producing fails; the simulator has stopped by then. */
  failed: Promise<Error>;
}

interface Pending extends TimedRecord {
  /** The planted incidents this record is (part of). */
  incidents?: number[];
}

interface Planted {
  plan: IncidentPlan;
  producedAt?: number;
}

export function startSimulator(opts: SimulatorOptions): Simulator {
  const rate = opts.rate ?? 200;
  const speedup = opts.speedup ?? 60;
  const now = opts.now ?? Date.now;
  const r: Rng = seeded(opts.seed ?? 1);
  const teams = SIMULATED_TEAMS.slice(0, Math.min(4, Math.max(1, opts.teams ?? 4)));
  let people: Person[] = Object.values(PEOPLE).filter((p) => (teams as readonly string[]).includes(p.team));
  const realStart = now();
  const simStart = Math.floor((opts.start ?? realStart - speedup * (opts.expectedDurationMs ?? 90_000)) / 1000) * 1000;
  const messagesPerHour = (rate * HOUR) / (speedup * 1000);

  const pending: Pending[] = [];
  const planted: Planted[] = [];
  const callsByHour = new Map<number, Call[]>();
  const extras = { anthropic: new Map<number, Overrides[]>(), openai: new Map<number, Overrides[]>(), openaiCosts: new Map<number, Overrides[]>() };
  const produced = Object.fromEntries(SOURCE_KINDS.map((s) => [s, 0])) as Record<SourceKind, number>;
  let nextHour = Math.floor(simStart / HOUR) * HOUR;
  let plannedHours = 0;
  let billedUpTo = nextHour;
  let simNow = simStart;

  const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => m.set(k, [...(m.get(k) ?? []), v]);
  const enqueue = (recs: TimedRecord[], incident?: number) => {
    for (const rec of recs) pending.push(incident === undefined ? rec : { ...rec, incidents: [incident] });
  };

  /** A call's gateway row (when it ended) and Bedrock's invocation log; the call is kept for the hour's bill. */
  function callRecords(calls: readonly Call[]): TimedRecord[] {
    return calls.flatMap((c) => {
      push(callsByHour, Math.floor(c.at / HOUR) * HOUR, c);
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
    // Sessions until the hour holds its share of messages (at least one, so a low rate still shows work).
    let budget = messagesPerHour - recs.length;
    do {
      const p = pick(r, people);
      const start = hour + int(r, 0, 55) * MIN;
      const via = p.kongConsumer && r() < 0.3 ? 'kong' : 'litellm';
      const model = p.team === 'team-ml' && via === 'litellm' ? pick(r, [MODELS.sonnet, MODELS.sonnetBedrock, MODELS.opus]) : undefined;
      // Sessions end within 50 minutes, so an hour's calls are complete when the next hour ends.
      const s = claudeSession(r, { person: p, start, end: start + int(r, 10, 50) * MIN, via, ...(model ? { model } : {}) });
      const sr = sessionRecords(s);
      recs.push(...sr);
      budget -= sr.length;
    } while (budget > 0);
    enqueue(recs);
    plantIncidents(hour);
    plannedHours += 1;
  }

  function plantIncidents(hour: number): void {
    let n = 0;
    const expected = opts.incidentsPerHour ?? 1;
    for (let x = r(); x < expected && n < 10; x += r()) n += 1;
    for (let i = 0; i < n; i += 1) {
      const kind = pick(r, INCIDENT_KINDS);
      const t = hour + int(r, 0, 50) * MIN;
      const plan = kind.plant(r, people, t);
      // The last person working never leaves: someone must keep the simulation going.
      if (!plan || (plan.retire && people.length <= 1)) continue;
      const index = planted.length;
      planted.push({ plan });
      enqueue([...plan.sessions.flatMap((s) => sessionRecords(s)), ...plan.records], index);
      for (const [h, o] of plan.anthropic ?? []) push(extras.anthropic, h, o);
      for (const [h, o] of plan.openai ?? []) push(extras.openai, h, o);
      for (const [d, o] of plan.openaiCosts ?? []) push(extras.openaiCosts, d, o);
      if (plan.retire) people = people.filter((p) => p !== plan.retire);
      opts.log?.debug({ kind: plan.kind, at: iso(plan.start), expected: plan.expected.map((e) => `${e.detector} ${e.entity}`) }, 'Incident planned');
    }
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
      const owners = planted.flatMap((p, i) => ((p.plan.anthropic ?? []).some(([h]) => h === hour) || (p.plan.openai ?? []).some(([h]) => h === hour) ? [i] : []));
      for (const doc of pages) pending.push({ at, source: 'billing', doc, incidents: owners });
      if ((hour + HOUR) % DAY === 0) {
        const day = hour + HOUR - DAY;
        const calls = [...callsByHour].filter(([h]) => h >= day && h < day + DAY).flatMap(([, cs]) => cs);
        for (const doc of dailyCostReports(day, calls, extras.openaiCosts.get(day) ?? [])) pending.push({ at: at + 5 * MIN, source: 'billing', doc });
        for (const h of [...callsByHour.keys()]) if (h < day + DAY) callsByHour.delete(h);
        extras.openaiCosts.delete(day);
      }
      extras.anthropic.delete(hour);
      extras.openai.delete(hour);
      billedUpTo += HOUR;
    }
  }

  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  let failWith: (e: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => (failWith = resolve));
  let lastProgress = realStart;

  async function round(): Promise<void> {
    const real = now();
    simNow = Math.min(real, simStart + (real - realStart) * speedup);
    while (nextHour <= simNow) {
      planHour(nextHour);
      nextHour += HOUR;
      closeBuckets();
    }
    pending.sort((a, b) => a.at - b.at);
    let due = 0;
    while (due < pending.length && (pending[due] as Pending).at <= simNow) due += 1;
    const batch = pending.splice(0, due);
    if (batch.length > 0) {
      const byTopic = new Map<SourceKind, Message[]>();
      for (const rec of batch) push(byTopic, rec.source, { value: JSON.stringify(rec.doc) });
      await opts.producer.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages: [...byTopic].map(([s, messages]) => ({ topic: opts.topics[s], messages })) });
      const at = now();
      for (const rec of batch) {
        produced[rec.source] += 1;
        for (const i of rec.incidents ?? []) {
          const p = planted[i];
          if (!p || p.producedAt !== undefined) continue;
          p.producedAt = at;
          opts.log?.info({ kind: p.plan.kind, plantedAt: iso(p.plan.start), alerts: p.plan.expected.map((e) => `${e.detector} ${e.entity}`) }, 'Incident planted');
        }
      }
    }
    if (real - lastProgress >= (opts.progressEveryMs ?? 10_000)) {
      lastProgress = real;
      opts.log?.info({ simulatedTime: iso(simNow), produced, incidents: plantedCount(), expectedAlerts: truth().length }, 'Simulator progress');
    }
  }

  const timer = setInterval(() => {
    inFlight = inFlight.then(async () => {
      if (stopped) return;
      await round().catch((err: unknown) => {
        stopped = true;
        clearInterval(timer);
        failWith(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }, opts.tickMs ?? 200);

  const plantedCount = () => planted.filter((p) => p.producedAt !== undefined).length;

  /** One entry per alert an incident must raise, once its first record is out. */
  function truth(): PlantedIncident[] {
    return planted.flatMap(({ plan, producedAt }) => producedAt === undefined ? [] : plan.expected.map((e) => ({
      ...e, plantedAt: iso(plan.start), until: iso(plan.end), producedAt: iso(producedAt), incident: plan.description,
    })));
  }

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
      opts.log?.info({ simulatedTime: iso(simNow), produced, incidents: plantedCount(), expectedAlerts: truth().length }, 'Simulator stopped');
    },
    truth,
    stats: () => ({ simulatedTime: iso(simNow), produced: { ...produced }, incidents: plantedCount(), plannedHours }),
    failed,
  };
}
