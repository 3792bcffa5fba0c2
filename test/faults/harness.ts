import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../../src/config/schema.ts';
import { SOURCE_KINDS } from '../../src/decode/types.ts';
import { DATA_TABLES, type DataTable } from '../../src/normalize/rows.ts';
import type { Store } from '../../src/store/store.ts';
import { clickhouseSection, exitOf, kafkaSection, spawnDriftwatch, type Child } from '../helpers/driftwatch-process.ts';
import { count, waitFor } from '../helpers/env.ts';
import { whileRetriable } from '../helpers/kafka.ts';
import type { FaultTraffic } from './traffic.ts';

export type { Child };
export { exitOf };

/**
 * What the fault cases share: driftwatch as a real child process (test/helpers/driftwatch-process.ts)
 * on the case's broker and store, the group's progress over the four topics, producing the
 * simulator's traffic, and counting what the store holds against what was produced.
 */

/** Runs `driftwatch <args>` with `config`'s broker, topics and store written to a file (the environment cannot override it). */
export function startDriftwatch(config: Config, args: string[], extra: { config?: Record<string, unknown>; env?: Record<string, string>; stdout?: boolean } = {}): Child {
  return spawnDriftwatch({
    kafka: kafkaSection(config),
    clickhouse: clickhouseSection(config),
    ingest: { maxBatchRows: 500, maxBatchAgeMs: 300 },
    logLevel: 'info',
    ...extra.config,
  }, args, extra);
}

/** The group's committed offset and the end offset of every partition of the four topics (retried while a partition has no leader). */
function partitionOffsets(config: Config): Promise<{ topic: string; partition: number; committed: number; end: number }[]> {
  return whileRetriable(() => lookUpPartitionOffsets(config));
}

async function lookUpPartitionOffsets(config: Config): Promise<{ topic: string; partition: number; committed: number; end: number }[]> {
  const kafka = new Kafka({ clientId: 'driftwatch-fault-admin', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out: { topic: string; partition: number; committed: number; end: number }[] = [];
    for (const t of await admin.fetchOffsets({ groupId: config.kafka.groupId, topics: Object.values(config.kafka.topics) })) {
      const ends = new Map((await admin.fetchTopicOffsets(t.topic)).map((p) => [p.partition, Number(p.high)]));
      for (const p of t.partitions) out.push({ topic: t.topic, partition: p.partition, committed: Math.max(0, Number(p.offset)), end: ends.get(p.partition) ?? 0 });
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/**
 * `run --role detect --role deliver` from `since`, with the example policy, 3 s leases and one
 * webhook destination at `hookUrl`: the replica the scheduler fault cases start and kill.
 */
export function startDetectDeliver(config: Config, since: number, hookUrl: string, policyFile: string): Child {
  return startDriftwatch(config, ['run', '--role', 'detect', '--role', 'deliver', '--since', new Date(since).toISOString()], {
    config: {
      policyFile,
      service: { leaseTtlMs: 3_000 },
      alerts: {
        destinations: [{ name: 'hook', type: 'webhook', url: `${hookUrl}/hook`, secretFromEnv: 'FAULT_HOOK_SECRET' }],
        routes: [{ match: {}, destinations: ['hook'] }],
        dispatcher: { pollMs: 200, baseDelayMs: 300, maxDelayMs: 2_000, timeoutMs: 2_000 },
      },
    },
    env: { FAULT_HOOK_SECRET: 'whsec-fault' },
  });
}

/** Sum over the four topics of the group's committed offsets and of the end offsets. */
export async function progress(config: Config): Promise<{ committed: number; end: number }> {
  const offsets = await partitionOffsets(config);
  return { committed: offsets.reduce((s, p) => s + p.committed, 0), end: offsets.reduce((s, p) => s + p.end, 0) };
}

/** A partition as ingest names it in logs and /readyz: `topic[partition]` (the start of src/ingest/batch.ts rangeLabel). */
const partitionKey = (p: { topic: string; partition: number }) => `${p.topic}[${p.partition}]`;

/** Each partition's committed offset, keyed `topic[partition]`. */
export async function committedByPartition(config: Config): Promise<Map<string, number>> {
  return new Map((await partitionOffsets(config)).map((p) => [partitionKey(p), p.committed]));
}

/** The partitions (`topic[partition]`) whose committed offset is short of their end. */
export async function partitionsBehind(config: Config): Promise<string[]> {
  return (await partitionOffsets(config)).filter((p) => p.committed < p.end).map(partitionKey).sort();
}

/**
 * Waits until the group's progress satisfies `done`. A failed look-up counts as "not yet": while
 * a broker restarts, or a partition's leader moves, the admin client's requests fail for a moment.
 */
export async function waitForProgress(config: Config, done: (p: { committed: number; end: number }) => boolean, timeoutMs: number, what: string, consumer?: Child): Promise<void> {
  let last = { committed: -1, end: -1 };
  await waitFor(async () => {
    try {
      last = await progress(config);
      return done(last);
    } catch {
      return false;
    }
  }, timeoutMs, what).catch((err: unknown) => {
    throw new Error(`${(err as Error).message} (committed ${last.committed} of ${last.end})${consumer ? `; ${consumer.status()}` : ''}`);
  });
}

/**
 * Produces every source's messages round-robin over `partitions`, in chunks of `chunk` records
 * with `pauseMs` between them, so a case can act while traffic is still arriving.
 */
export async function produceTraffic(config: Config, messages: FaultTraffic['messages'], opts: { partitions: number; chunk?: number; pauseMs?: number }): Promise<void> {
  const chunk = opts.chunk ?? 1000;
  // Idempotent, as `driftwatch produce` is, with retries long enough to ride out a broker restart
  // (a stopping KRaft broker can take 15 s, a starting one as long again on a loaded machine):
  // within one send the broker drops a retried batch it already has, so nothing is written twice.
  const kafka = new Kafka({ clientId: 'driftwatch-fault-producer', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 5_000 } });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const longest = Math.max(...SOURCE_KINDS.map((s) => messages[s].length));
    for (let i = 0; i < longest; i += chunk) {
      await producer.sendBatch({
        acks: -1,
        topicMessages: SOURCE_KINDS.map((s) => ({
          topic: config.kafka.topics[s],
          messages: messages[s].slice(i, i + chunk).map((value, j) => ({ value, partition: (i + j) % opts.partitions })),
        })).filter((t) => t.messages.length > 0),
      });
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  } finally {
    await producer.disconnect();
  }
}

export interface TableCount {
  rows: number;
  /** Distinct Kafka coordinates (topic, partition, offset, record in message): equal to rows when nothing is doubled. */
  distinct: number;
}

export async function tableCounts(store: Store): Promise<Record<DataTable, TableCount>> {
  const out = {} as Record<DataTable, TableCount>;
  for (const t of DATA_TABLES) {
    out[t] = {
      rows: await count(store, `SELECT count() c FROM ${t}`),
      distinct: await count(store, `SELECT uniqExact(source_topic, source_partition, source_offset, record_index) c FROM ${t}`),
    };
  }
  return out;
}

/** What `tableCounts` must equal for a traffic with nothing lost and nothing doubled. */
export function exactlyOnce(expected: Record<DataTable, number>): Record<DataTable, TableCount> {
  return Object.fromEntries(DATA_TABLES.map((t) => [t, { rows: expected[t], distinct: expected[t] }])) as Record<DataTable, TableCount>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Roll-ups are fed by materialized views at insert time, so a doubled or dropped insert shows
 * there even when the source table looks right: each must add up to its source table's rows.
 */
const ROLLUP_TOTALS = [
  { rollup: 'SELECT sum(requests) c FROM gateway_hourly', source: 'SELECT count() c FROM gateway_requests' },
  { rollup: 'SELECT sum(requests) c FROM gateway_sessions_hourly', source: 'SELECT count() c FROM gateway_requests' },
  { rollup: 'SELECT sum(requests) c FROM gateway_daily', source: 'SELECT count() c FROM gateway_requests' },
  { rollup: 'SELECT sum(events) c FROM agent_hourly', source: 'SELECT count() c FROM agent_events' },
  { rollup: 'SELECT sum(records) c FROM provider_hourly', source: 'SELECT count() c FROM provider_usage' },
] as const;

/** Roll-up totals that differ from their source table's rows (empty when every roll-up adds up). */
export async function rollupMismatches(store: Store): Promise<string[]> {
  const out: string[] = [];
  for (const { rollup, source } of ROLLUP_TOTALS) {
    const [r, s] = [await count(store, rollup), await count(store, source)];
    if (r !== s) out.push(`${rollup} = ${r}, ${source} = ${s}`);
  }
  return out;
}

/** One line per case on stderr with what it counted: the README's fault matrix quotes these. */
export function reportCase(name: string, figures: Record<string, unknown>): void {
  process.stderr.write(`fault-matrix ${JSON.stringify({ case: name, ...figures })}\n`);
}
