import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.ts';
import type { SourceKind } from '../src/decode/types.ts';
import type { ResolvedBroker } from '../src/infra/kafka-broker.ts';
import { ensureTopics } from '../src/infra/topics.ts';
import { withProducer } from '../src/ingest/produce.ts';
import { EXAMPLE_POLICY_FILE } from '../src/policy/load.ts';
import { startSimulator } from '../src/simulate/live.ts';
import { processCpuSeconds } from './ingest-measure.ts';
import { alertSightings, detectionDelays, scorecard, type PlantedIncident, type Scorecard } from '../src/simulate/scorecard.ts';
import { openStore } from '../src/store/store.ts';
import type { Logger } from '../src/telemetry/logger.ts';

/**
 * Event → alert latency under the live simulator: `driftwatch run --role ingest detect` (a child
 * process, the scheduler on its real cron cadence) consumes what the simulator produces at a
 * stated rate; afterwards the alerts it raised are scored against the simulator's ground truth.
 * Time to detect an incident = first_seen of its first alert − the real time its first record was
 * produced (scorecard.ts); event → alert = the same first_seen − the real time the first record of
 * the alert's evidence was produced (`evidenceAt`: the same record except where the proof is a
 * provider's usage report, an hour late by design). An incident with no alert by the end of the
 * run and grace period has a latency beyond that and counts in the percentiles as such, not as
 * missing; event → alert leaves out the alerts not raised whose evidence was still due when the run ended.
 *
 * No final sweep (unlike `npm start`): only what the scheduler raised by itself counts. Incidents are
 * planted for `durationMs`; during the grace the simulator goes on with ordinary traffic alone.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface LatencyRun {
  broker: ResolvedBroker;
  /** Kafka messages per real second over the four topics. */
  rate: number;
  speedup: number;
  incidentsPerHour: number;
  durationMs: number;
  /** How long detection may still run after the simulator stops. */
  graceMs: number;
  dir: string;
  run: string;
  log: Logger;
  say: (msg: string) => void;
}

export interface LatencyFigures {
  produced: number;
  achievedRate: number;
  card: Scorecard;
  /** Seconds from production to first alert per planted incident; null = no alert within the run. */
  latencies: (number | null)[];
  /** Seconds from the evidence's first record to the first alert, but for the alerts not raised whose evidence was still due; null = no alert. */
  eventLatencies: (number | null)[];
  /** Planted alerts not raised whose evidence had not been produced when the simulator stopped (left out of `eventLatencies`). */
  awaitingEvidence: number;
  /** Detectors whose planted incidents had no alert within the run. */
  undetected: Record<string, number>;
  /** Per detector, its raised incidents' seconds to detect, sorted: which detectors make the percentiles. */
  secondsByDetector: Record<string, number[]>;
  peakRssBytes: number;
  /** CPU of `driftwatch run` (every thread, the embedded engine's included) from its start to the end of the grace, and that span. */
  cpuSeconds: number;
  wallSeconds: number;
  /** How long each incident could at most have waited (run + grace after its production), for the censored ones. */
  censoredAboveSeconds: number;
}

export async function measureAlertLatency(run: LatencyRun): Promise<LatencyFigures> {
  const topics: Record<SourceKind, string> = { gateway: `lat-${run.run}.gateway`, billing: `lat-${run.run}.billing`, idp: `lat-${run.run}.idp`, agent: `lat-${run.run}.agent` };
  await ensureTopics(run.broker.brokers, Object.values(topics), 3, run.log);
  const dataDir = join(run.dir, 'latency-data');
  const cfgFile = join(run.dir, 'latency-config.json');
  writeFileSync(cfgFile, JSON.stringify({ kafka: { brokers: run.broker.brokers, groupId: `lat-${run.run}`, topics }, clickhouse: { dataDir }, logLevel: 'warn' }));
  // Simulated time ends at the present when the run does. Detectors start at the UTC day before its
  // first hour: a daily report read today describes yesterday (Claude Code analytics, daily costs),
  // and a scheduler started at the first hour would never evaluate yesterday's window.
  const simStart = Math.floor((Date.now() - run.speedup * run.durationMs) / HOUR) * HOUR;
  const since = Math.floor(simStart / DAY) * DAY - DAY;
  const child = spawn(process.execPath, [join(root, 'bin/driftwatch.js'), '--config', cfgFile, 'run', '--role', 'ingest', 'detect', '--policy', EXAMPLE_POLICY_FILE, '--since', new Date(since).toISOString()],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, KAFKA_BROKERS: '', CLICKHOUSE_URL: '' } });
  const pid = child.pid as number;
  let peak = 0;
  let cpu = 0;
  const started = performance.now();
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024);
      cpu = processCpuSeconds(pid);
    } catch {
      // the child has exited
    }
  }, 1000);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const { truth, produced } = await withProducer(run.broker.brokers, async (producer) => {
      // Incidents in the run's simulated hours only; the grace goes on with ordinary traffic (below).
      const sim = startSimulator({ producer, topics, rate: run.rate, speedup: run.speedup, incidentsPerHour: run.incidentsPerHour, incidentsBefore: simStart + run.speedup * run.durationMs, start: simStart, seed: 1 });
      run.say(`  simulator: ${run.rate} msg/s, speed-up ${run.speedup}, from ${new Date(simStart).toISOString()} for ${run.durationMs / 1000} s`);
      const died = exited.then((code) => new Error(`driftwatch run exited (${code})`));
      const outcome = await Promise.race([new Promise<void>((r) => setTimeout(r, run.durationMs)), sim.failed, died]);
      // The grace: the organisation's ordinary traffic goes on (no new incident), as in a deployment, so the last
      // incidents' windows close as the sources report past them; stopping every feed with the run would leave an
      // incident of the last simulated hour in a window no source ever reports past.
      const producedInRun = Object.values(sim.stats().produced).reduce((a, b) => a + b, 0);
      if (!(outcome instanceof Error)) {
        run.say(`  produced ${producedInRun} messages; detection runs ${run.graceMs / 1000} s more, under ordinary traffic alone`);
        await Promise.race([new Promise((r) => setTimeout(r, run.graceMs)), sim.failed, died]);
      }
      await sim.stop();
      if (outcome instanceof Error) throw outcome;
      return { truth: sim.truth(), produced: producedInRun };
    }, run.log);
    run.say(`  ${truth.length} expected alerts planted`);
    const wallSeconds = (performance.now() - started) / 1000;
    try {
      cpu = processCpuSeconds(pid);
    } catch {
      // exited already: the last sample stands
    }
    child.kill('SIGTERM');
    await exited;
    clearInterval(sampler);
    const config = loadConfig({ env: {}, overrides: { 'clickhouse.dataDir': dataDir, logLevel: 'warn' } });
    const store = await openStore(config.clickhouse);
    const sightings = await alertSightings(store);
    await store.close();
    const card = scorecard(truth, sightings);
    const latencies = detectionDelays(truth, sightings);
    // As the scorecard counts them: an alert whose evidence was still due counts from the incident's first record when
    // it was raised anyway, and is left out when it was not (nothing could have raised it yet).
    const fromEvidence = detectionDelays(truth, sightings, { from: 'evidence' });
    const due = fromEvidence.map((l, i) => l === null && (truth[i] as PlantedIncident).evidenceAt === undefined);
    const eventLatencies = fromEvidence.filter((_, i) => !due[i]);
    const undetected: Record<string, number> = {};
    for (const m of card.missed) undetected[m.detector] = (undetected[m.detector] ?? 0) + 1;
    const secondsByDetector: Record<string, number[]> = {};
    latencies.forEach((l, i) => {
      if (l !== null) (secondsByDetector[(truth[i] as PlantedIncident).detector] ??= []).push(Math.round(l));
    });
    for (const list of Object.values(secondsByDetector)) list.sort((a, b) => a - b);
    return { produced, achievedRate: produced / (run.durationMs / 1000), card, latencies, eventLatencies, awaitingEvidence: due.filter(Boolean).length, undetected, secondsByDetector, peakRssBytes: peak, cpuSeconds: cpu, wallSeconds, censoredAboveSeconds: run.graceMs / 1000 };
  } finally {
    clearInterval(sampler);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
