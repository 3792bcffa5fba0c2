/**
 * npm run bench:ingest [-- --n 1000000]
 *
 * Produces N realistic mixed-format records (test/fixtures/traffic.ts: every gateway, billing,
 * IdP and agent format in a realistic mix) to a real broker, then measures in the same run:
 *   (a) driftwatch's consumer (`driftwatch ingest`, a child process) into ClickHouse, until every
 *       offset is committed, i.e. every row is durably stored;
 *   (b) ClickHouse's own Kafka table engine + materialized view into a plain table (chdb).
 * Prints events/s, MB/s, peak RSS of each and the ratio (a)/(b).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveBroker } from '../src/infra/kafka-broker.ts';
import { ensureTopics } from '../src/infra/topics.ts';
import { withProducer } from '../src/ingest/produce.ts';
import { loadConfig } from '../src/config/load.ts';
import { createLogger } from '../src/telemetry/logger.ts';
import { generateTraffic } from '../test/fixtures/traffic.ts';
import { groupProgress } from '../test/helpers/kafka.ts';
import type { SourceKind } from '../src/decode/types.ts';
import { formatThreadCpu, groupThreadCpu, sampleThreads, type ThreadSample } from './thread-cpu.ts';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: process.env['BENCH_N'] ?? '1000000' }, partitions: { type: 'string', default: '3' }, workers: { type: 'string' } } });
const N = Number(args.n);
const PARTITIONS = Number(args.partitions);
const log = createLogger('warn');
const root = fileURLToPath(new URL('..', import.meta.url));
const say = (msg: string) => process.stderr.write(`${msg}\n`);

/** User + system CPU of a process and all its threads (/proc/PID/stat fields 14 and 15, in clock ticks). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const broker = await resolveBroker(log);
const run = Date.now().toString(36);
const topics: Record<SourceKind, string> = { gateway: `bench-${run}.gateway`, billing: `bench-${run}.billing`, idp: `bench-${run}.idp`, agent: `bench-${run}.agent` };
try {
  await ensureTopics(broker.brokers, Object.values(topics), PARTITIONS, log);
  say(`producing ${N} records to ${broker.brokers.join(',')} (${broker.origin}) ...`);
  let bytes = 0;
  let records = 0;
  const t0 = Date.now();
  await withProducer(broker.brokers, async (producer) => {
    const pending: Record<string, { value: Buffer }[]> = {};
    const flush = async () => {
      await producer.sendBatch({ acks: -1, topicMessages: Object.entries(pending).filter(([, m]) => m.length).map(([topic, messages]) => ({ topic, messages })) });
      for (const k of Object.keys(pending)) pending[k] = [];
    };
    let i = 0;
    // Yesterday's traffic, as a live consumer sees it: with the generator's fixed 2026 date the raw
    // columns' 90-day TTL would already have expired, and merges would drop what production keeps.
    const yesterday = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;
    for (const rec of generateTraffic(N, { seed: 1, startMs: yesterday })) {
      (pending[topics[rec.source]] ??= []).push({ value: rec.value });
      bytes += rec.value.byteLength;
      records += rec.records;
      if (++i % 5000 === 0) await flush();
      if (i % 200_000 === 0) say(`  produced ${i}`);
    }
    await flush();
  }, log);
  say(`produced ${N} messages (${records} normalised records, ${(bytes / 1e6).toFixed(0)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // (a) driftwatch
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-bench-'));
  const cfgFile = join(dir, 'config.json');
  const groupId = `bench-dw-${run}`;
  writeFileSync(cfgFile, JSON.stringify({ kafka: { brokers: broker.brokers, groupId, topics }, clickhouse: { dataDir: join(dir, 'dw-data') }, logLevel: 'warn',
    ...(args.workers !== undefined ? { ingest: { decodeWorkers: Number(args.workers) } } : {}) }));
  const config = loadConfig({ file: cfgFile, env: {} });
  // The broker shares the 2 cores; its CPU while each consumer reads is part of that consumer's cost.
  const brokerCpu = () => (broker.pid === undefined ? Number.NaN : processCpuSeconds(broker.pid));
  const brokerBefore = brokerCpu();
  const started = Date.now();
  const child = spawn(process.execPath, [join(root, 'bin/driftwatch.js'), '--config', cfgFile, 'ingest'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, KAFKA_BROKERS: '', CLICKHOUSE_URL: process.env['CLICKHOUSE_URL'] ?? '' } });
  const progress = async () => {
    let committed = 0;
    for (const t of Object.values(topics)) committed += (await groupProgress(config, t)).committed;
    return committed;
  };
  let firstCommit = 0;
  let cpuAtFirstCommit = 0;
  let committedAtFirst = 0;
  let threadsAtFirstCommit: ThreadSample[] = [];
  let peak = 0;
  for (;;) {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024);
    const done = await progress();
    if (done > 0 && firstCommit === 0) {
      firstCommit = Date.now();
      cpuAtFirstCommit = processCpuSeconds(child.pid as number);
      threadsAtFirstCommit = sampleThreads(child.pid as number);
      committedAtFirst = done;
    }
    if (done >= N) break;
    if (child.exitCode !== null) throw new Error(`driftwatch ingest exited early (${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const dwSeconds = (Date.now() - started) / 1000;
  const dwSteady = (Date.now() - firstCommit) / 1000;
  const dwCpu = processCpuSeconds(child.pid as number);
  const threadGroups = groupThreadCpu(child.pid as number, threadsAtFirstCommit, sampleThreads(child.pid as number));
  // Threads that ended during steady state (idle ClickHouse pool threads) are only in the process total.
  const endedThreads = dwCpu - cpuAtFirstCommit - threadGroups.reduce((s, g) => s + g.seconds, 0);
  if (endedThreads > 0.05) threadGroups.push({ group: 'threads that ended meanwhile', threads: 0, seconds: endedThreads });
  // Start-up (tsx compile, engine and group join) excluded: CPU per event once consuming.
  const dwSteadyCpuMicros = Math.round(((dwCpu - cpuAtFirstCommit) / Math.max(1, N - committedAtFirst)) * 1e6);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const brokerDw = brokerCpu() - brokerBefore;
  say(`driftwatch: ${dwSeconds.toFixed(1)} s`);

  // (b) ClickHouse's Kafka engine, same topics, its own process.
  const brokerBeforeNative = brokerCpu();
  const native = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/native-kafka-engine.ts'), broker.brokers.join(','), Object.values(topics).join(','), String(N), join(dir, 'native-data')], { encoding: 'utf8', maxBuffer: 1 << 20, cwd: root });
  if (native.status !== 0) throw new Error(`native reference failed: ${native.stderr}`);
  const ref = JSON.parse(native.stdout.trim().split('\n').pop() as string) as { seconds: number; firstRowSeconds: number; peakRssBytes: number; cpuSeconds: number };
  const brokerNative = brokerCpu() - brokerBeforeNative;

  const mb = bytes / 1e6;
  const row = (name: string, s: number, steady: number, rss: number) =>
    `${name.padEnd(34)} ${String(Math.round(N / s)).padStart(10)} ${(mb / s).toFixed(1).padStart(8)} ${String(Math.round(N / steady)).padStart(12)} ${(rss / 2 ** 20).toFixed(0).padStart(10)}`;
  const refSteady = ref.seconds - ref.firstRowSeconds;
  const result = {
    messages: N, records, megabytes: Math.round(mb), partitionsPerTopic: PARTITIONS, broker: broker.origin,
    driftwatch: { cpuSeconds: dwCpu, cpuMicrosPerEvent: Math.round((dwCpu / N) * 1e6), steadyCpuMicrosPerEvent: dwSteadyCpuMicros, seconds: dwSeconds, eventsPerSecond: Math.round(N / dwSeconds), mbPerSecond: +(mb / dwSeconds).toFixed(1), steadyEventsPerSecond: Math.round(N / dwSteady), peakRssMiB: Math.round(peak / 2 ** 20) },
    nativeKafkaEngine: { cpuSeconds: ref.cpuSeconds, cpuMicrosPerEvent: Math.round((ref.cpuSeconds / N) * 1e6), seconds: ref.seconds, eventsPerSecond: Math.round(N / ref.seconds), mbPerSecond: +(mb / ref.seconds).toFixed(1), steadyEventsPerSecond: Math.round(N / refSteady), peakRssMiB: Math.round(ref.peakRssBytes / 2 ** 20) },
    brokerCpuMicrosPerEvent: { duringDriftwatch: Math.round((brokerDw / N) * 1e6), duringNative: Math.round((brokerNative / N) * 1e6) },
    ratio: +(ref.seconds / dwSeconds).toFixed(2),
    steadyRatio: +(refSteady / dwSteady).toFixed(2),
  };
  process.stdout.write([
    '',
    `bench:ingest — ${N} messages, ${result.megabytes} MB, ${PARTITIONS} partitions x 4 topics, broker ${broker.origin}`,
    `${'consumer'.padEnd(34)} ${'events/s'.padStart(10)} ${'MB/s'.padStart(8)} ${'steady ev/s'.padStart(12)} ${'peak MiB'.padStart(10)}`,
    row('driftwatch ingest (decode+normalise)', dwSeconds, dwSteady, peak),
    row('ClickHouse Kafka engine + MV', ref.seconds, refSteady, ref.peakRssBytes),
    `ratio driftwatch / native: ${result.ratio}x end to end, ${result.steadyRatio}x steady state`,
    `CPU per event (load-independent): driftwatch ${result.driftwatch.cpuMicrosPerEvent} µs (${dwSteadyCpuMicros} µs once consuming), native ${result.nativeKafkaEngine.cpuMicrosPerEvent} µs (machine load average at the end: ${loadavg()[0]?.toFixed(1)})`,
    broker.pid === undefined
      ? 'broker CPU per event: n/a (the broker was not started by the bench)'
      : `broker CPU per event (same 2 cores): ${result.brokerCpuMicrosPerEvent.duringDriftwatch} µs while driftwatch read, ${result.brokerCpuMicrosPerEvent.duringNative} µs while native read`,
    `driftwatch CPU per thread group once consuming (${N - committedAtFirst} events):`,
    ...formatThreadCpu(threadGroups, Math.max(1, N - committedAtFirst)),
    JSON.stringify({ ...result, driftwatchThreads: threadGroups.map((g) => ({ ...g, microsPerEvent: +((g.seconds / Math.max(1, N - committedAtFirst)) * 1e6).toFixed(1) })) }),
    '',
  ].join('\n'));
} finally {
  await broker.stop();
}
