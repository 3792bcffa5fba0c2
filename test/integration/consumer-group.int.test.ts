import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/telemetry/logger.ts';
import { IngestConsumer } from '../../src/ingest/consumer.ts';
import type { Store } from '../../src/store/store.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';
import { createTopics, produce } from '../helpers/kafka.ts';
import { generateTraffic } from '../fixtures/traffic.ts';

/**
 * Two consumers in one group share the partitions; one leaves mid-stream and the other takes
 * its partitions over from the committed offsets. Every produced record must be stored once.
 */
const config = testConfig('group', { 'ingest.maxBatchRows': 400, 'ingest.maxBatchAgeMs': 200 });
const log = createLogger('warn');
const N = 12_000;
let store: Store;

beforeAll(async () => {
  store = await testStore(config);
  await createTopics(config, 6);
});
afterAll(async () => {
  await store?.close();
});

describe('consumer group', () => {
  it('loses and duplicates nothing when a member leaves mid-stream', async () => {
    const records = [...generateTraffic(N, { formats: ['litellm.spend_log', 'kong.ai_proxy', 'litellm.payload'], seed: 7 })];
    const half = records.slice(0, N / 2).map((r) => ({ value: r.value }));
    const rest = records.slice(N / 2).map((r) => ({ value: r.value }));
    const a = new IngestConsumer({ config, store, log, sources: ['gateway'] });
    const b = new IngestConsumer({ config, store, log, sources: ['gateway'] });
    await a.start();
    await b.start();
    await waitFor(async () => a.assignedPartitions + b.assignedPartitions === 6 && a.assignedPartitions > 0 && b.assignedPartitions > 0, 30_000, 'both members assigned');
    // Stream keeps flowing while A leaves: the second half is produced concurrently with the stop.
    await produce(config, config.kafka.topics.gateway, half, 6);
    await waitFor(async () => (await count(store, 'SELECT count() c FROM gateway_requests')) >= N / 4, 60_000, 'a quarter of the rows');
    const producing = produce(config, config.kafka.topics.gateway, rest, 6);
    await a.stop();
    await producing;
    await waitFor(async () => b.assignedPartitions === 6, 30_000, 'B owning every partition');
    await waitFor(async () => (await count(store, 'SELECT count() c FROM gateway_requests')) >= N, 90_000, 'all rows');
    // Give a duplicate the time to show up before counting for good.
    await new Promise((r) => setTimeout(r, 1500));
    await b.stop();
    expect(await count(store, 'SELECT count() c FROM gateway_requests')).toBe(N);
    expect(await count(store, 'SELECT uniqExact(source_partition, source_offset) c FROM gateway_requests')).toBe(N);
    expect(await count(store, 'SELECT uniqExact(source_partition) c FROM gateway_requests')).toBe(6);
    expect(a.stats.accepted).toBeGreaterThan(0);
    expect(b.stats.accepted).toBeGreaterThan(0);
  });
});
