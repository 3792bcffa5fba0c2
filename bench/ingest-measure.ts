import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.ts';
import type { SourceKind } from '../src/decode/types.ts';
import type { ResolvedBroker } from '../src/infra/kafka-broker.ts';
import { tuneEmbeddedAllocator } from '../src/store/embedded-allocator.ts';
import { groupProgress } from '../test/helpers/kafka.ts';
import { groupThreadCpu, sampleThreads, type ThreadGroupCpu, type ThreadSample } from './thread-cpu.ts';

/**
 * One consumer of an ingest bench measured on topics already filled: driftwatch's (`driftwatch
 * ingest`, a child process, until every offset is committed, i.e. every row durably stored) or
 * ClickHouse's Kafka engine (bench/native-kafka-engine.ts, a child process, until the rows are in
 * its table). Each in its own process, so peak RSS and CPU are its own; the broker's CPU while it
 * reads is reported beside it (the broker shares the cores).
 */

const root = fileURLToPath(new URL('..', import.meta.url));

export interface ConsumerFigures {
  seconds: number;
  /** From the first stored row to the last: start-up (compile, engine, group join) left out. */
  steadySeconds: number;
  cpuSeconds: number;
  /** CPU per event from the first stored row on. */
  steadyCpuMicrosPerEvent: number;
  peakRssBytes: number;
  /** Broker CPU while this consumer read (NaN when the bench did not start the broker). */
  brokerCpuSeconds: number;
}

export interface DriftwatchFigures extends ConsumerFigures {
  threads: ThreadGroupCpu[];
  /** Events counted in `threads` and the steady CPU per event. */
  steadyEvents: number;
}

/** User + system CPU of a process and all its threads (/proc/PID/stat fields 14 and 15, in clock ticks). */
export function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const brokerCpu = (broker: ResolvedBroker) => (broker.pid === undefined ? Number.NaN : processCpuSeconds(broker.pid));

export interface DriftwatchRun {
  broker: ResolvedBroker;
  topics: Record<SourceKind, string>;
  /** Messages produced over the topics: done when the group has committed that many offsets. */
  messages: number;
  dir: string;
  groupId: string;
  decodeWorkers?: number;
}

export async function measureDriftwatch(run: DriftwatchRun): Promise<DriftwatchFigures> {
  mkdirSync(run.dir, { recursive: true });
  const cfgFile = join(run.dir, 'config.json');
  writeFileSync(cfgFile, JSON.stringify({ kafka: { brokers: run.broker.brokers, groupId: run.groupId, topics: run.topics }, clickhouse: { dataDir: join(run.dir, 'dw-data') }, logLevel: 'warn',
    ...(run.decodeWorkers !== undefined ? { ingest: { decodeWorkers: run.decodeWorkers } } : {}) }));
  const config = loadConfig({ file: cfgFile, env: {} });
  const brokerBefore = brokerCpu(run.broker);
  const started = Date.now();
  const child = spawn(process.execPath, [join(root, 'bin/driftwatch.js'), '--config', cfgFile, 'ingest'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, KAFKA_BROKERS: '', CLICKHOUSE_URL: process.env['CLICKHOUSE_URL'] ?? '' } });
  const pid = child.pid as number;
  const progress = async () => {
    let committed = 0;
    for (const t of Object.values(run.topics)) committed += (await groupProgress(config, t)).committed;
    return committed;
  };
  let firstCommit = 0;
  let cpuAtFirstCommit = 0;
  let committedAtFirst = 0;
  let threadsAtFirstCommit: ThreadSample[] = [];
  let peak = 0;
  for (;;) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024);
    const done = await progress();
    if (done > 0 && firstCommit === 0) {
      firstCommit = Date.now();
      cpuAtFirstCommit = processCpuSeconds(pid);
      threadsAtFirstCommit = sampleThreads(pid);
      committedAtFirst = done;
    }
    if (done >= run.messages) break;
    if (child.exitCode !== null) throw new Error(`driftwatch ingest exited early (${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const seconds = (Date.now() - started) / 1000;
  const steadySeconds = (Date.now() - firstCommit) / 1000;
  const cpuSeconds = processCpuSeconds(pid);
  const threads = groupThreadCpu(pid, threadsAtFirstCommit, sampleThreads(pid));
  // Threads that ended during steady state (idle ClickHouse pool threads) are only in the process total.
  const ended = cpuSeconds - cpuAtFirstCommit - threads.reduce((s, g) => s + g.seconds, 0);
  if (ended > 0.05) threads.push({ group: 'threads that ended meanwhile', threads: 0, seconds: ended });
  const steadyEvents = Math.max(1, run.messages - committedAtFirst);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return {
    seconds, steadySeconds, cpuSeconds, steadyCpuMicrosPerEvent: ((cpuSeconds - cpuAtFirstCommit) / steadyEvents) * 1e6,
    peakRssBytes: peak, brokerCpuSeconds: brokerCpu(run.broker) - brokerBefore, threads, steadyEvents,
  };
}

// The engine's process gets the allocator setting `driftwatch ingest` runs with (bin/driftwatch.js).
const engineEnv = { ...process.env };
tuneEmbeddedAllocator(engineEnv);

export type KafkaEngineMode = 'raw' | 'gateway';

/** ClickHouse's Kafka engine on the same topics (bench/native-kafka-engine.ts states the two modes). */
export function measureKafkaEngine(mode: KafkaEngineMode, broker: ResolvedBroker, topics: string[], rows: number, dataDir: string): ConsumerFigures {
  const brokerBefore = brokerCpu(broker);
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/native-kafka-engine.ts'), broker.brokers.join(','), topics.join(','), String(rows), dataDir, mode],
    { encoding: 'utf8', maxBuffer: 1 << 20, cwd: root, env: engineEnv });
  if (res.status !== 0) throw new Error(`Kafka engine reference (${mode}) failed: ${res.stderr}`);
  const ref = JSON.parse(res.stdout.trim().split('\n').pop() as string) as { seconds: number; firstRowSeconds: number; peakRssBytes: number; cpuSeconds: number };
  return {
    seconds: ref.seconds, steadySeconds: ref.seconds - ref.firstRowSeconds, cpuSeconds: ref.cpuSeconds,
    // Counted from the Kafka table's creation: what comes before (the migration) is not ingest.
    steadyCpuMicrosPerEvent: (ref.cpuSeconds / rows) * 1e6,
    peakRssBytes: ref.peakRssBytes, brokerCpuSeconds: brokerCpu(broker) - brokerBefore,
  };
}
