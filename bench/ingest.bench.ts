/**
 * npm run bench:ingest [-- --n 1000000 --partitions 3 --workers N]
 *
 * Produces N messages of the simulator's traffic (bench/simulated-topics.ts: every topic, the
 * formats the simulated organisation writes) to a real broker, then measures in the same run:
 *   (a) driftwatch's consumer (`driftwatch ingest`, a child process) into ClickHouse, until every
 *       offset is committed, i.e. every row is durably stored;
 *   (b) ClickHouse's own Kafka table engine keeping each message as one string (chdb).
 * Prints events/s, MB/s, peak RSS of each and the ratio (a)/(b), the CPU per event of each thread
 * group of (a), and the broker's CPU per event while each read. `npm run bench` compares against a
 * like-for-like reference too, on the LiteLLM topic alone.
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SourceKind } from '../src/decode/types.ts';
import { resolveBroker } from '../src/infra/kafka-broker.ts';
import { ensureTopics } from '../src/infra/topics.ts';
import { createLogger } from '../src/telemetry/logger.ts';
import { measureDriftwatch, measureKafkaEngine } from './ingest-measure.ts';
import { produceSimulated } from './simulated-topics.ts';
import { formatThreadCpu } from './thread-cpu.ts';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: process.env['BENCH_N'] ?? '1000000' }, partitions: { type: 'string', default: '3' }, workers: { type: 'string' } } });
const N = Number(args.n);
const PARTITIONS = Number(args.partitions);
const log = createLogger('warn');
const say = (msg: string) => process.stderr.write(`${msg}\n`);
const HOUR = 3_600_000;

const broker = await resolveBroker(log);
const run = Date.now().toString(36);
const topics: Record<SourceKind, string> = { gateway: `bench-${run}.gateway`, billing: `bench-${run}.billing`, idp: `bench-${run}.idp`, agent: `bench-${run}.agent` };
try {
  await ensureTopics(broker.brokers, Object.values(topics), PARTITIONS, log);
  say(`producing ${N} simulated messages to ${broker.brokers.join(',')} (${broker.origin}) ...`);
  const t0 = Date.now();
  // Traffic of the last 30 hours, as a live consumer sees it: older records would meet the raw
  // columns' 90-day TTL sooner or later, and merges would drop what production keeps.
  const start = Math.floor(Date.now() / HOUR) * HOUR - 30 * HOUR;
  const { bytes } = await produceSimulated(broker.brokers, topics, { messages: N, messagesPerHour: Math.max(1000, Math.ceil(N / 24)), start, say }, log);
  say(`produced ${N} messages (${(bytes / 1e6).toFixed(0)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-bench-'));
  const dw = await measureDriftwatch({ broker, topics, messages: N, dir, groupId: `bench-dw-${run}`, ...(args.workers !== undefined ? { decodeWorkers: Number(args.workers) } : {}) });
  say(`driftwatch: ${dw.seconds.toFixed(1)} s`);
  const ref = measureKafkaEngine('raw', broker, Object.values(topics), N, join(dir, 'native-data'));

  const mb = bytes / 1e6;
  const perEvent = (s: number) => Math.round((s / N) * 1e6);
  const row = (name: string, s: number, steady: number, rss: number) =>
    `${name.padEnd(34)} ${String(Math.round(N / s)).padStart(10)} ${(mb / s).toFixed(1).padStart(8)} ${String(Math.round(N / steady)).padStart(12)} ${(rss / 2 ** 20).toFixed(0).padStart(10)}`;
  const result = {
    messages: N, megabytes: Math.round(mb), partitionsPerTopic: PARTITIONS, broker: broker.origin,
    driftwatch: { cpuSeconds: dw.cpuSeconds, cpuMicrosPerEvent: perEvent(dw.cpuSeconds), steadyCpuMicrosPerEvent: Math.round(dw.steadyCpuMicrosPerEvent), seconds: dw.seconds, eventsPerSecond: Math.round(N / dw.seconds), mbPerSecond: +(mb / dw.seconds).toFixed(1), steadyEventsPerSecond: Math.round(N / dw.steadySeconds), peakRssMiB: Math.round(dw.peakRssBytes / 2 ** 20) },
    nativeKafkaEngine: { cpuSeconds: ref.cpuSeconds, cpuMicrosPerEvent: perEvent(ref.cpuSeconds), seconds: ref.seconds, eventsPerSecond: Math.round(N / ref.seconds), mbPerSecond: +(mb / ref.seconds).toFixed(1), steadyEventsPerSecond: Math.round(N / ref.steadySeconds), peakRssMiB: Math.round(ref.peakRssBytes / 2 ** 20) },
    brokerCpuMicrosPerEvent: { duringDriftwatch: perEvent(dw.brokerCpuSeconds), duringNative: perEvent(ref.brokerCpuSeconds) },
    ratio: +(ref.seconds / dw.seconds).toFixed(2),
    steadyRatio: +(ref.steadySeconds / dw.steadySeconds).toFixed(2),
  };
  process.stdout.write([
    '',
    `bench:ingest — ${N} simulated messages, ${result.megabytes} MB, ${PARTITIONS} partitions x 4 topics, broker ${broker.origin}`,
    `${'consumer'.padEnd(34)} ${'events/s'.padStart(10)} ${'MB/s'.padStart(8)} ${'steady ev/s'.padStart(12)} ${'peak MiB'.padStart(10)}`,
    row('driftwatch ingest (decode+normalise)', dw.seconds, dw.steadySeconds, dw.peakRssBytes),
    row('ClickHouse Kafka engine + MV', ref.seconds, ref.steadySeconds, ref.peakRssBytes),
    `ratio driftwatch / native: ${result.ratio}x end to end, ${result.steadyRatio}x steady state`,
    `CPU per event (load-independent): driftwatch ${result.driftwatch.cpuMicrosPerEvent} µs (${result.driftwatch.steadyCpuMicrosPerEvent} µs once consuming), native ${result.nativeKafkaEngine.cpuMicrosPerEvent} µs (machine load average at the end: ${loadavg()[0]?.toFixed(1)})`,
    broker.pid === undefined
      ? 'broker CPU per event: n/a (the broker was not started by the bench)'
      : `broker CPU per event (same 2 cores): ${result.brokerCpuMicrosPerEvent.duringDriftwatch} µs while driftwatch read, ${result.brokerCpuMicrosPerEvent.duringNative} µs while native read`,
    `driftwatch CPU per thread group once consuming (${dw.steadyEvents} events):`,
    ...formatThreadCpu(dw.threads, dw.steadyEvents),
    JSON.stringify({ ...result, driftwatchThreads: dw.threads.map((g) => ({ ...g, microsPerEvent: +((g.seconds / dw.steadyEvents) * 1e6).toFixed(1) })) }),
    '',
  ].join('\n'));
} finally {
  await broker.stop();
}
