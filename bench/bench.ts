/**
 * npm run bench [-- --full --n 300000 --rate 2000 --speedup 120 --duration 300s --grace 300s --only ingest,latency,detect]
 *
 * One run, one table (Markdown, the README's bench section):
 *   ingest   N of the simulator's LiteLLM messages on one topic, consumed three times in turn:
 *            `driftwatch ingest`; ClickHouse's Kafka engine with a view parsing them into the same
 *            gateway_requests columns and roll-ups (like-for-like, bench/kafka-engine-gateway.ts);
 *            ClickHouse's Kafka engine keeping each message as one string (raw). Events/s, MB/s,
 *            CPU per event, peak RSS, and the ratios;
 *   latency  event → alert under the live simulator at --rate messages/s (bench/alert-latency.ts);
 *   detect   a day of detection at 1 M gateway requests (and 10 M with --full: generating it takes
 *            most of an hour on 2 cores), and the scheduled cycle, through bench/detect.bench.ts
 *            as a child (its figures, its code).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SourceKind } from '../src/decode/types.ts';
import { resolveBroker } from '../src/infra/kafka-broker.ts';
import { ensureTopics } from '../src/infra/topics.ts';
import { parseRunDuration } from '../src/simulate/options.ts';
import { createLogger } from '../src/telemetry/logger.ts';
import { measureAlertLatency, type LatencyFigures } from './alert-latency.ts';
import { measureDriftwatch, measureKafkaEngine, type ConsumerFigures, type DriftwatchFigures } from './ingest-measure.ts';
import { censoredPercentile, formatCensored, markdownTable, thousands } from './report-table.ts';
import { produceSimulated } from './simulated-topics.ts';
import { formatThreadCpu } from './thread-cpu.ts';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '300000' },
    full: { type: 'boolean', default: false },
    rate: { type: 'string', default: '2000' },
    speedup: { type: 'string', default: '120' },
    'incidents-per-hour': { type: 'string', default: '6' },
    duration: { type: 'string', default: '300s' },
    grace: { type: 'string', default: '300s' },
    only: { type: 'string', default: 'ingest,latency,detect' },
  },
});
const N = Number(args.n);
const only = new Set((args.only as string).split(','));
const root = fileURLToPath(new URL('..', import.meta.url));
const log = createLogger('warn');
const say = (msg: string) => process.stderr.write(`${msg}\n`);
const HOUR = 3_600_000;
const MiB = (b: number) => `${thousands(b / 2 ** 20)} MiB`;
const x = (r: number) => `${r.toFixed(2)}×`;
const run = Date.now().toString(36);
const dir = mkdtempSync(join(tmpdir(), 'driftwatch-bench-'));
const loadAtStart = loadavg()[0] ?? 0;

interface IngestFigures { bytes: number; dw: DriftwatchFigures; like: ConsumerFigures; raw: ConsumerFigures }
interface DetectSize { n: number; totalSeconds: number; totalCpuSeconds: number; alerts: number; scheduledCycleSeconds: number; scheduledCycleCpuSeconds: number; maxRssMiB: number }

let ingest: IngestFigures | undefined;
let latency: LatencyFigures | undefined;
let detect: DetectSize[] = [];

/** The table's rows from what has been measured so far (printed after each part too, so a stopped run still shows them). */
function tableRows(): string[][] {
  const rows: string[][] = [];
  if (ingest) {
    const { bytes, dw, like, raw } = ingest;
    const evs = (f: ConsumerFigures) => N / f.seconds;
    const mbs = (f: ConsumerFigures) => bytes / 1e6 / f.seconds;
    const cpu = (f: ConsumerFigures) => (f.cpuSeconds / N) * 1e6;
    const brokerCpu = (f: ConsumerFigures) => (Number.isNaN(f.brokerCpuSeconds) ? '' : `, broker ${((f.brokerCpuSeconds / N) * 1e6).toFixed(0)} µs`);
    const what = `ingest, ${thousands(N)} LiteLLM messages (${(bytes / 1e6).toFixed(0)} MB), one topic × 3 partitions`;
    rows.push(
      [`${what}: events/s`, thousands(evs(dw)), `${thousands(evs(like))} (raw: ${thousands(evs(raw))})`, `${x(evs(dw) / evs(like))} (raw: ${x(evs(dw) / evs(raw))})`],
      ['ingest: MB/s', mbs(dw).toFixed(1), `${mbs(like).toFixed(1)} (raw: ${mbs(raw).toFixed(1)})`, ''],
      ['ingest: CPU per event (whole process, start-up included)', `${cpu(dw).toFixed(0)} µs${brokerCpu(dw)}`, `${cpu(like).toFixed(0)} µs${brokerCpu(like)} (raw: ${cpu(raw).toFixed(0)} µs)`,
        `${x(cpu(like) / cpu(dw))} (raw: ${x(cpu(raw) / cpu(dw))}) the events per CPU-second`],
      ['ingest: CPU per event once consuming', `${dw.steadyCpuMicrosPerEvent.toFixed(0)} µs`, '', ''],
      ['ingest: peak RSS', MiB(dw.peakRssBytes), `${MiB(like.peakRssBytes)} (raw: ${MiB(raw.peakRssBytes)})`, ''],
    );
  }
  if (latency) {
    const { latencies, eventLatencies, censoredAboveSeconds: above } = latency;
    const pair = (xs: readonly (number | null)[]) => `${formatCensored(censoredPercentile(xs, 50), above)} / ${formatCensored(censoredPercentile(xs, 95), above)}`;
    const raised = (xs: readonly (number | null)[]) => xs.filter((l) => l !== null);
    const sim = `simulator at ${thousands(latency.achievedRate)} msg/s for ${args.duration}, speed-up ${args.speedup}`;
    rows.push(
      [`event → alert, p50 / p95: from the first record of each alert's evidence (${sim}; ${raised(eventLatencies).length} of ${eventLatencies.length} planted alerts raised within the run + ${args.grace}; ${latency.awaitingEvidence} more whose evidence was still due)`,
        pair(eventLatencies), 'target: p95 < 60 s at 2,000 msg/s', ''],
      ['event → alert over the raised alerts alone, p50 / p95', pair(raised(eventLatencies)), '', ''],
      [`time to detect, p50 / p95: from each incident's first record, a provider's export delay included (${raised(latencies).length} of ${latencies.length} raised; over the raised: ${pair(raised(latencies))})`,
        pair(latencies), '', ''],
      ['driftwatch run (ingest + detect) under the simulator: peak RSS; CPU over the run and its grace', `${MiB(latency.peakRssBytes)}; ${latency.cpuSeconds.toFixed(0)} s in ${latency.wallSeconds.toFixed(0)} s (${((100 * latency.cpuSeconds) / latency.wallSeconds).toFixed(0)} % of a core)`, '', '']);
  }
  for (const d of detect) {
    rows.push([`detection, a day of ${thousands(d.n)} gateway requests (every detector, every window)`, `${d.totalSeconds.toFixed(1)} s (CPU ${d.totalCpuSeconds.toFixed(1)} s), ${d.alerts} alerts, peak RSS ${thousands(d.maxRssMiB)} MiB`, '', ''],
      [`scheduled cycle (every detector's latest window), ${thousands(d.n)} day`, `${d.scheduledCycleSeconds.toFixed(1)} s (CPU ${d.scheduledCycleCpuSeconds.toFixed(1)} s)`, '', '']);
  }
  if (detect.length > 1) {
    const a = detect[0] as DetectSize;
    const b = detect[detect.length - 1] as DetectSize;
    rows.push([`detection growth, ${thousands(b.n / a.n)}× the data`, `${x(b.totalSeconds / a.totalSeconds)} wall, ${x(b.totalCpuSeconds / a.totalCpuSeconds)} CPU`, 'linear: 10×', '']);
  }
  return rows;
}
const HEAD = ['measure', 'driftwatch', 'reference: Kafka engine like-for-like (raw string), or target', 'ratio driftwatch / reference'];
const progress = () => say(`\n${markdownTable(HEAD, tableRows())}\n`);

if (only.has('ingest') || only.has('latency')) {
  const broker = await resolveBroker(log);
  try {
    if (only.has('ingest')) {
      const topics: Record<SourceKind, string> = { gateway: `bench-${run}.gateway`, billing: `bench-${run}.billing`, idp: `bench-${run}.idp`, agent: `bench-${run}.agent` };
      await ensureTopics(broker.brokers, Object.values(topics), 3, log);
      say(`ingest: producing ${N} simulated LiteLLM messages to ${topics.gateway} ...`);
      // 100,000 messages of all topics per simulated hour hold ~40,000 LiteLLM ones; the span ends before now.
      const perHour = 100_000;
      const start = Math.floor(Date.now() / HOUR) * HOUR - (Math.ceil(N / 35_000) + 2) * HOUR;
      const { bytes } = await produceSimulated(broker.brokers, topics, { messages: N, messagesPerHour: perHour, start, sources: ['gateway'], keep: (rec) => !('ai' in rec.doc) }, log);
      say(`  ${(bytes / 1e6).toFixed(0)} MB; driftwatch ingest ...`);
      const dw = await measureDriftwatch({ broker, topics, messages: N, dir: join(dir, 'dw'), groupId: `bench-dw-${run}` });
      say(`  ${dw.seconds.toFixed(1)} s; Kafka engine, like-for-like ...`);
      const like = measureKafkaEngine('gateway', broker, [topics.gateway], N, join(dir, 'like'));
      say(`  ${like.seconds.toFixed(1)} s; Kafka engine, raw ...`);
      const raw = measureKafkaEngine('raw', broker, [topics.gateway], N, join(dir, 'raw'));
      say(`  ${raw.seconds.toFixed(1)} s`);
      ingest = { bytes, dw, like, raw };
      say('driftwatch CPU per thread group once consuming:');
      for (const l of formatThreadCpu(dw.threads, dw.steadyEvents)) say(l);
      progress();
    }
    if (only.has('latency')) {
      say(`latency: driftwatch run (ingest + detect) under the simulator at ${args.rate} msg/s ...`);
      latency = await measureAlertLatency({
        broker, rate: Number(args.rate), speedup: Number(args.speedup), incidentsPerHour: Number(args['incidents-per-hour']),
        durationMs: parseRunDuration(args.duration as string), graceMs: parseRunDuration(args.grace as string), dir, run, log, say,
      });
      for (const m of latency.card.missed) say(`  not raised: ${m.detector} on ${m.entity} (${m.team || 'no team'}), planted at ${m.plantedAt} simulated`);
      progress();
    }
  } finally {
    await broker.stop();
  }
}

if (only.has('detect')) {
  const sizes = args.full ? '1000000,10000000' : '1000000';
  say(`detect: bench/detect.bench.ts --sizes ${sizes} --no-reference ...`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/detect.bench.ts'), '--sizes', sizes, '--no-reference'],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (res.status !== 0) throw new Error(`bench:detect failed (exit ${res.status})`);
  detect = JSON.parse(res.stdout.trim().split('\n').pop() as string) as DetectSize[];
}
rmSync(dir, { recursive: true, force: true });

process.stdout.write([
  '',
  `npm run bench — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${loadAtStart.toFixed(1)} at start, ${(loadavg()[0] ?? 0).toFixed(1)} at end`,
  '',
  markdownTable(HEAD, tableRows()),
  '',
  JSON.stringify({ ingest: ingest && { bytes: ingest.bytes, driftwatch: { ...ingest.dw, threads: undefined }, likeForLike: ingest.like, raw: ingest.raw }, latency: latency && { ...latency, card: { ...latency.card, extra: latency.card.extra.length, extraByDetector: countBy(latency.card.extra.map((a) => a.detector)), extraAlerts: latency.card.extra.slice(0, 20).map((a) => `${a.detector} ${a.entity} ${a.windowStart}…${a.windowEnd}`) } }, detect }),
  '',
].join('\n'));

/** How many of each: which detectors raised the alerts no planted incident explains. */
function countBy(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}
