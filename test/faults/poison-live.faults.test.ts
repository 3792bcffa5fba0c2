import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE_KINDS, type SourceKind } from '../../src/decode/types.ts';
import { seeded } from '../../src/simulate/traffic.ts';
import type { Store } from '../../src/store/store.ts';
import { count, testConfig, testStore } from '../helpers/env.ts';
import { createTopics } from '../helpers/kafka.ts';
import { exactlyOnce, exitOf, produceTraffic, reportCase, rollupMismatches, startDriftwatch, tableCounts, waitForProgress } from './harness.ts';
import { faultTraffic } from './traffic.ts';

/**
 * Fault: poison records of every kind a Kafka message can carry (issue 9's list) mixed at seeded
 * random places into the simulator's live traffic on all four topics, produced while ingest runs.
 * Every good message's rows are stored once, every poison is in ingest_rejects once with its reason
 * and origin, no poison reaches a data table, and the group commits to the end of every partition.
 * (`insert_refused` — ClickHouse refusing a row the decoders wrote — cannot be sent through Kafka:
 * no decoder writes such a row; test/integration/sink-isolation.int.test.ts covers it.)
 */
const FAULT_KEY = 'driftwatch_test_decoder_fault';
const MAX_MESSAGE_BYTES = 256 * 1024;
const config = testConfig('fault-poison');
const traffic = faultTraffic({ hours: 6, messagesPerHour: 1200, seed: 57 });
const PARTITIONS = 3;
let store: Store | undefined;

interface Poison { kind: string; reason: string; value: Buffer }

/** A source's first object message with `patch` applied: a record its decoder matches. */
function patched(source: SourceKind, patch: Record<string, unknown>): Buffer {
  const doc = traffic.messages[source].map((m) => JSON.parse(m.toString()) as unknown).find((d) => d !== null && typeof d === 'object' && !Array.isArray(d));
  return Buffer.from(JSON.stringify({ ...(doc as Record<string, unknown>), ...patch }));
}

function poisonsFor(source: SourceKind): Poison[] {
  const every: Poison[] = [
    { kind: 'invalid JSON', reason: 'invalid_json', value: Buffer.from('{"request_id": "cut-off",') },
    { kind: 'no format matches', reason: 'unknown_format', value: Buffer.from('{"hello":"world"}') },
    { kind: 'over maxMessageBytes', reason: 'oversized', value: Buffer.from(JSON.stringify({ pad: 'x'.repeat(MAX_MESSAGE_BYTES) })) },
    { kind: 'not UTF-8', reason: 'invalid_utf8', value: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
    { kind: 'empty value', reason: 'empty_message', value: Buffer.alloc(0) },
    { kind: '100,000-level nesting', reason: 'too_deep', value: Buffer.from(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`) },
    { kind: 'decoder throws', reason: 'decode_error', value: patched(source, { [FAULT_KEY]: true }) },
  ];
  if (source !== 'gateway') return every;
  return [
    ...every,
    { kind: 'prompt_tokens 1e21', reason: 'out_of_range', value: patched('gateway', { prompt_tokens: 1e21 }) },
    { kind: 'prompt_tokens 1e20', reason: 'out_of_range', value: patched('gateway', { prompt_tokens: 1e20 }) },
    { kind: 'spend as a word', reason: 'schema_violation', value: patched('gateway', { spend: 'lots' }) },
  ];
}

const poisons = Object.fromEntries(SOURCE_KINDS.map((s) => [s, poisonsFor(s)])) as Record<SourceKind, Poison[]>;
const poisonCount = SOURCE_KINDS.reduce((n, s) => n + poisons[s].length, 0);

/** The good messages with the poisons at seeded random places among them. */
function mixed(): Record<SourceKind, Buffer[]> {
  const r = seeded(99);
  return Object.fromEntries(SOURCE_KINDS.map((s) => {
    const out = [...traffic.messages[s]];
    for (const p of poisons[s]) out.splice(Math.floor(r() * (out.length + 1)), 0, p.value);
    return [s, out];
  })) as Record<SourceKind, Buffer[]>;
}

beforeAll(async () => {
  await createTopics(config, PARTITIONS);
});
afterAll(async () => {
  await store?.close();
});

describe('fault: poison records of every kind mixed into live traffic', () => {
  it(`stores ${traffic.total} good messages once and rejects ${poisonCount} poisons with their reasons`, async () => {
    const ingest = startDriftwatch(config, ['ingest'], {
      config: { ingest: { maxBatchRows: 500, maxBatchAgeMs: 300, maxMessageBytes: MAX_MESSAGE_BYTES } },
      // Read by src/ingest/fault-injection.ts in the child: stands in for a decoder bug.
      env: { DRIFTWATCH_FAULT_DECODER_THROWS: FAULT_KEY },
    });
    await produceTraffic(config, mixed(), { partitions: PARTITIONS, chunk: 200, pauseMs: 200 });
    await waitForProgress(config, (p) => p.committed === traffic.total + poisonCount && p.end === p.committed, 240_000, 'every offset committed', ingest);
    ingest.process.kill('SIGTERM');
    expect((await exitOf(ingest, 120_000, 'ingest stopping')).code).toBe(0);

    store = await testStore(config);
    const stored = await tableCounts(store);
    const res = await store.client.query({ query: 'SELECT source, reason, count() AS n FROM ingest_rejects GROUP BY source, reason ORDER BY source, reason', format: 'JSONEachRow' });
    const rejects = (await res.json<{ source: string; reason: string; n: string }>()).map((x) => ({ ...x, n: Number(x.n) }));
    reportCase('poison records mixed into live traffic', { produced: traffic.total + poisonCount, poisons: poisonCount, expected: traffic.expectedRows, stored, rejects });

    expect(stored).toEqual(exactlyOnce(traffic.expectedRows));
    expect(await rollupMismatches(store)).toEqual([]);
    const want = SOURCE_KINDS.flatMap((s) => [...new Set(poisons[s].map((p) => p.reason))].map((reason) => ({ source: s, reason, n: poisons[s].filter((p) => p.reason === reason).length })))
      .sort((a, b) => `${a.source} ${a.reason}`.localeCompare(`${b.source} ${b.reason}`));
    expect(rejects).toEqual(want);
    // Each reject keeps its origin: one per Kafka coordinate.
    expect(await count(store, 'SELECT uniqExact(topic, partition, offset) c FROM ingest_rejects')).toBe(poisonCount);
  });
});
