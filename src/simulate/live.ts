import { CompressionTypes, type Message, type Producer } from 'kafkajs';
import { SOURCE_KINDS, type SourceKind } from '../decode/types.ts';
import type { Logger } from '../telemetry/logger.ts';
import { trafficPlanner } from './planner.ts';
import type { PlantedIncident } from './scorecard.ts';
import { pushTo } from './multimap.ts';

/**
 * The live simulator: the planted day's people, sessions and wire formats generated continuously
 * (planner.ts) and produced to the four topics. Simulated time runs `speedup` times faster than
 * real time; the planner fills each simulated hour with the messages `rate` per real second makes,
 * and each record is produced when the simulated clock passes its time. A planted incident is
 * ground truth from the moment its first record is produced (`producedAt`, real time); each alert it
 * expects also carries when the first record of its evidence was produced (`evidenceAt`: the same
 * time, unless the alert's proof is in a source the incident reaches later, incidents.ts `evidence`).
 *
 * The simulated clock never passes the real one: events in the future are what ingest rejects and
 * what no detector window covers yet. So by default simulated time starts `speedup × duration`
 * in the past and catches up with the present at the end of the run; once caught up it runs at 1×.
 */

const HOUR = 3_600_000;
const MAX_MESSAGES_PER_SEND = 500;
const iso = (ms: number) => new Date(ms).toISOString();

export { SIMULATED_TEAMS } from './planner.ts';

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
  /**
   * No incident in the simulated hours starting at or after this time (epoch ms): the organisation's
   * ordinary traffic goes on alone, so the windows of the last incidents close as the sources report
   * past them (a bench's grace after its run).
   */
  incidentsBefore?: number;
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
  /** Resolves with the error when producing fails; the simulator has stopped by then. */
  failed: Promise<Error>;
}

export function startSimulator(opts: SimulatorOptions): Simulator {
  const rate = opts.rate ?? 200;
  const speedup = opts.speedup ?? 60;
  const now = opts.now ?? Date.now;
  const realStart = now();
  const simStart = Math.floor((opts.start ?? realStart - speedup * (opts.expectedDurationMs ?? 90_000)) / 1000) * 1000;
  const messagesPerHour = (rate * HOUR) / (speedup * 1000);

  const planner = trafficPlanner({ start: simStart, messagesPerHour, ...(opts.teams ? { teams: opts.teams } : {}), seed: opts.seed ?? 1, incidentsPerHour: opts.incidentsPerHour ?? 1, ...(opts.incidentsBefore === undefined ? {} : { incidentsBefore: opts.incidentsBefore }), ...(opts.log ? { log: opts.log } : {}) });
  /** Per planted incident, the real time its first record of each source was produced; its first record is the earliest. */
  const producedAt = new Map<number, Partial<Record<SourceKind, number>>>();
  const produced = Object.fromEntries(SOURCE_KINDS.map((s) => [s, 0])) as Record<SourceKind, number>;
  let simNow = simStart;

  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  let failWith: (e: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => (failWith = resolve));
  let lastProgress = realStart;

  async function round(): Promise<void> {
    const real = now();
    simNow = Math.min(real, simStart + (real - realStart) * speedup);
    const batch = planner.due(simNow);
    if (batch.length > 0) {
      // Bounded requests: a catch-up round (a slow broker, a long pause) can hold many seconds of traffic.
      let sent = batch.length;
      for (let i = 0; i < batch.length; i += MAX_MESSAGES_PER_SEND) {
        // A simulator that cannot keep up plans hours at a time; stop() must not wait for all of it.
        if (stopped) {
          sent = i;
          break;
        }
        const byTopic = new Map<SourceKind, Message[]>();
        for (const rec of batch.slice(i, i + MAX_MESSAGES_PER_SEND)) pushTo(byTopic, rec.source, { value: JSON.stringify(rec.doc) });
        await opts.producer.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages: [...byTopic].map(([s, messages]) => ({ topic: opts.topics[s], messages })) });
      }
      const at = now();
      for (const rec of batch.slice(0, sent)) {
        produced[rec.source] += 1;
        for (const i of rec.incidents ?? []) {
          const plan = planner.planted[i];
          if (!plan) continue;
          const bySource = producedAt.get(i);
          if (bySource) {
            bySource[rec.source] ??= at;
            continue;
          }
          producedAt.set(i, { [rec.source]: at });
          opts.log?.info({ kind: plan.kind, plantedAt: iso(plan.start), alerts: plan.expected.map((e) => `${e.detector} ${e.entity}`) }, 'Incident planted');
        }
      }
    }
    if (real - lastProgress >= (opts.progressEveryMs ?? 10_000)) {
      lastProgress = real;
      opts.log?.info({ simulatedTime: iso(simNow), produced, incidents: plantedCount(), expectedAlerts: truth().length }, 'Simulator progress');
    }
  }

  // One round at a time: a tick that finds the previous round still producing is skipped, and the
  // next round takes everything that fell due meanwhile.
  let busy = false;
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    inFlight = round()
      .catch((err: unknown) => {
        stopped = true;
        clearInterval(timer);
        failWith(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => (busy = false));
  }, opts.tickMs ?? 200);

  const plantedCount = () => producedAt.size;

  /**
   * One entry per alert an incident must raise, once its first record is out. `evidenceAt` is left
   * out while the alert's evidence has not been produced (a usage report still due at the end).
   */
  function truth(): PlantedIncident[] {
    return [...producedAt].sort(([x], [y]) => x - y).flatMap(([i, bySource]) => {
      const plan = planner.planted[i];
      const at = Math.min(...Object.values(bySource));
      return (plan?.expected ?? []).map(({ evidence, ...e }) => {
        const evidenceAt = evidence === undefined ? at : bySource[evidence];
        return { ...e, plantedAt: iso(plan?.start ?? 0), until: iso(plan?.end ?? 0), producedAt: iso(at),
          ...(evidenceAt === undefined ? {} : { evidenceAt: iso(evidenceAt) }), incident: plan?.description ?? '' };
      });
    });
  }

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
      opts.log?.info({ simulatedTime: iso(simNow), produced, incidents: plantedCount(), expectedAlerts: truth().length }, 'Simulator stopped');
    },
    truth,
    stats: () => ({ simulatedTime: iso(simNow), produced: { ...produced }, incidents: plantedCount(), plannedHours: planner.plannedHours() }),
    failed,
  };
}
