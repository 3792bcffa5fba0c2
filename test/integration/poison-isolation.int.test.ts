import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createLogger } from '../../src/telemetry/logger.ts';
import { IngestConsumer } from '../../src/ingest/consumer.ts';
import type { Store } from '../../src/store/store.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';
import { createTopics, groupProgress, produce, type TestMessage } from '../helpers/kafka.ts';

/**
 * Issue 9 item 2: one hostile record between good ones in a partition. Each poison kind gets its
 * own partition of the gateway topic holding 5 good records, the poison, 5 good records. Every
 * partition must end with its 10 good rows stored, the poison in ingest_rejects with its reason,
 * the group's offsets committed past it, and the consumer still consuming.
 */
const spend = JSON.parse(readFileSync(new URL('../../schemas/samples/litellm-spend-log.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const record = (id: string, patch: Record<string, unknown> = {}) => Buffer.from(JSON.stringify({ ...spend, request_id: id, ...patch }));

const DEPTH = 100_000;
const FAULT_KEY = 'driftwatch_test_decoder_fault';
// Read by src/ingest/fault-injection.ts when the decode workers load it, i.e. after this line.
process.env['DRIFTWATCH_FAULT_DECODER_THROWS'] = FAULT_KEY;
const poisons = [
  { kind: 'prompt_tokens 1e21', reason: 'out_of_range', field: 'prompt_tokens', value: record('poison-1e21', { prompt_tokens: 1e21 }) },
  { kind: 'prompt_tokens 1e20', reason: 'out_of_range', field: 'prompt_tokens', value: record('poison-1e20', { prompt_tokens: 1e20 }) },
  { kind: 'request_duration_ms 1e10', reason: 'out_of_range', field: 'request_duration_ms', value: record('poison-1e10', { request_duration_ms: 1e10 }) },
  {
    kind: `${DEPTH}-level nesting`, reason: 'too_deep', field: 'levels',
    value: Buffer.from(`{"request_id":"poison-deep","metadata":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`),
  },
  // No real record makes a decoder throw (the samples were fuzzed); the test-only fault hook stands in for a bug.
  { kind: 'decoder exception', reason: 'decode_error', field: 'injected decoder fault', value: record('poison-throws', { [FAULT_KEY]: true }) },
] as const;

const config = testConfig('poison', { 'ingest.maxBatchAgeMs': 300 });
const topic = config.kafka.topics.gateway;
const log = createLogger('warn');
let store: Store;
let consumer: IngestConsumer;

beforeAll(async () => {
  store = await testStore(config);
  await createTopics(config, poisons.length);
  const messages: TestMessage[] = poisons.flatMap((p, partition) => [
    ...[0, 1, 2, 3, 4].map((i) => ({ value: record(`good-${partition}-a${i}`), partition })),
    { value: p.value, partition },
    ...[0, 1, 2, 3, 4].map((i) => ({ value: record(`good-${partition}-b${i}`), partition })),
  ]);
  await produce(config, topic, messages, poisons.length);
  consumer = new IngestConsumer({ config, store, log });
  await consumer.start();
  await waitFor(async () => (await count(store, 'SELECT count() c FROM gateway_requests')) >= 10 * poisons.length &&
    (await count(store, 'SELECT count() c FROM ingest_rejects')) >= poisons.length, 120_000, 'good rows and rejects');
  await waitFor(async () => {
    const { committed, end } = await groupProgress(config, topic);
    return committed === end;
  }, 60_000, 'offsets committed to the end of every partition');
}, 240_000);

afterAll(async () => {
  await consumer?.stop();
  await store?.close();
});

describe('a poison record between good ones', () => {
  it.each(poisons.map((p, partition) => ({ ...p, partition })))('$kind: 10 rows stored, 1 reject ($reason), offsets past it', async (p) => {
    expect(await count(store, 'SELECT count() c FROM gateway_requests WHERE source_partition = {p:UInt32}', { p: p.partition })).toBe(10);
    expect(await count(store, `SELECT count() c FROM gateway_requests WHERE source_partition = {p:UInt32} AND request_id LIKE 'poison%'`, { p: p.partition })).toBe(0);
    const res = await store.client.query({
      query: 'SELECT reason, toString(offset) AS offset, detail FROM ingest_rejects WHERE topic = {t:String} AND partition = {p:UInt32}',
      query_params: { t: topic, p: p.partition },
      format: 'JSONEachRow',
    });
    const rejects = await res.json<{ reason: string; offset: string; detail: string }>();
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ reason: p.reason, offset: '5' });
    expect(rejects[0]?.detail).toContain(p.field);
  });

  it('committed every partition to its end, and the consumer is still consuming', async () => {
    const { committed, end } = await groupProgress(config, topic);
    expect(committed).toBe(end);
    expect(end).toBe(11 * poisons.length);
    await produce(config, topic, [{ value: record('after-the-poison'), partition: 0 }], poisons.length);
    await waitFor(async () => (await count(store, `SELECT count() c FROM gateway_requests WHERE request_id = 'after-the-poison'`)) === 1,
      60_000, 'a record produced after the poison');
    expect(consumer.stats.rejectReasons).toEqual({ out_of_range: 3, too_deep: 1, decode_error: 1 });
  });
});
