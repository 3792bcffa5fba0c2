import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/telemetry/logger.ts';
import { IngestConsumer } from '../../src/ingest/consumer.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Store } from '../../src/store/store.ts';
import { SOURCE_KINDS, type SourceKind } from '../../src/decode/types.ts';
import { AppError } from '../../src/errors.ts';
import { storeOutageSeconds, storeWaitingPartitions } from '../../src/telemetry/metrics.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';
import { createTopics, groupProgress } from '../helpers/kafka.ts';
import { exactlyOnce, produceTraffic, rollupMismatches, sleep, tableCounts } from '../faults/harness.ts';
import { expectedRows, faultTraffic } from '../faults/traffic.ts';

/**
 * A store that refuses writes for a reason that passes, raised by the real engine: agent_events
 * limited to one part in total (`max_parts_in_total`), so every insert into it fails with
 * `Code: 252 … Too many parts` until the limit is lifted — an error classified retriable, exactly
 * as a disk full is (test/faults/store-full.faults.test.ts fills a real disk). The agent topic's
 * partitions must pause and wait while the other topics go on, nothing of the agent topic may be
 * committed while its rows are not stored, and the same consumer must store everything once
 * when the limit is lifted. Then: a stop while waiting, a rebalance while waiting, and giving up
 * after giveUpAfterMs.
 */
const PARTITIONS = 3;
const PARTS = 6;
const traffic = faultTraffic({ hours: 5, messagesPerHour: 240, seed: 13 });
/** Part i of every source's messages: the cases produce one after another. */
const part = (i: number) => Object.fromEntries(SOURCE_KINDS.map((s) => {
  const all = traffic.messages[s];
  const size = Math.ceil(all.length / PARTS);
  return [s, all.slice(i * size, (i + 1) * size)];
})) as Record<SourceKind, Buffer[]>;
/** Every source's messages of parts 0 … last. */
const upTo = (last: number) => Object.fromEntries(SOURCE_KINDS.map((s) => [s, Array.from({ length: last + 1 }, (_, i) => part(i)[s]).flat()])) as Record<SourceKind, Buffer[]>;

const config = testConfig('store-outage', {
  'ingest.maxBatchAgeMs': 300, 'ingest.maxBatchRows': 200, 'ingest.decodeWorkers': 1, 'ingest.storeOutage.retryMaxDelayMs': 400,
});
const log = createLogger(process.env['LOG_LEVEL'] ?? 'silent');
let store: Store;

const refuseAgentEvents = () => store.client.command({ query: 'ALTER TABLE agent_events MODIFY SETTING max_parts_in_total = 1' });
const acceptAgentEvents = () => store.client.command({ query: 'ALTER TABLE agent_events RESET SETTING max_parts_in_total' });
const committed = async (source: SourceKind) => (await groupProgress(config, config.kafka.topics[source])).committed;
const caughtUp = async (sources: readonly SourceKind[]) => {
  for (const s of sources) {
    const p = await groupProgress(config, config.kafka.topics[s]);
    if (p.committed < p.end) return false;
  }
  return true;
};
const gauge = async (g: typeof storeWaitingPartitions) => (await g.get()).values[0]?.value;
const OTHERS = SOURCE_KINDS.filter((s) => s !== 'agent');

async function consumeEverything(upToPart: number, cfg: Config = config): Promise<void> {
  const consumer = new IngestConsumer({ config: cfg, store, log });
  await consumer.start();
  try {
    await waitFor(() => caughtUp(SOURCE_KINDS), 120_000, 'every offset committed');
  } finally {
    await consumer.stop();
  }
  await expectStoredOnce(upToPart);
}

/** Every row of parts 0 … last stored once, roll-ups adding up, no rejects. */
async function expectStoredOnce(last: number): Promise<void> {
  expect(await tableCounts(store)).toEqual(exactlyOnce(expectedRows(upTo(last))));
  expect(await rollupMismatches(store)).toEqual([]);
  expect(await count(store, 'SELECT count() c FROM ingest_rejects')).toBe(0);
}

beforeAll(async () => {
  store = await testStore(config);
  await createTopics(config, PARTITIONS);
  await produceTraffic(config, part(0), { partitions: PARTITIONS });
  await consumeEverything(0);
});

afterAll(async () => {
  await store?.close();
});

describe('ingest while the store refuses writes', () => {
  it('pauses the refused partitions, commits nothing of them, lets the others go on, and resumes in place storing every row once', async () => {
    const agentBefore = await committed('agent');
    const rowsBefore = await count(store, 'SELECT count() c FROM agent_events');
    await refuseAgentEvents();
    const consumer = new IngestConsumer({ config, store, log });
    await consumer.start();
    try {
      await produceTraffic(config, part(1), { partitions: PARTITIONS });
      await waitFor(async () => consumer.storeOutage.waitingPartitions === PARTITIONS, 60_000, 'the three agent partitions waiting for the store');
      expect(consumer.storeOutage.lastError).toMatch(/Too many parts/);
      expect(await gauge(storeWaitingPartitions)).toBe(PARTITIONS);
      const agentFetched = consumer.counters.bySource['agent'];

      // More traffic while the agent partitions wait: the other topics are fetched and committed.
      await produceTraffic(config, part(2), { partitions: PARTITIONS });
      await waitFor(() => caughtUp(OTHERS), 60_000, 'the other topics committed while agent_events refuses');
      await sleep(2_000);
      expect(await committed('agent')).toBe(agentBefore);
      expect(await count(store, 'SELECT count() c FROM agent_events')).toBe(rowsBefore);
      // Paused, not merely failing: nothing more of the agent topic was even fetched.
      expect(consumer.counters.bySource['agent']).toBe(agentFetched);
      expect(consumer.storeOutage.waitingPartitions).toBe(PARTITIONS);
      expect(await gauge(storeOutageSeconds)).toBeGreaterThanOrEqual(1);

      await acceptAgentEvents();
      await waitFor(() => caughtUp(SOURCE_KINDS), 120_000, 'every offset committed by the same consumer once agent_events takes writes');
      expect(consumer.storeOutage.waitingPartitions).toBe(0);
      expect(await gauge(storeWaitingPartitions)).toBe(0);
      expect(await gauge(storeOutageSeconds)).toBe(0);
    } finally {
      await consumer.stop();
    }
    await expectStoredOnce(2);
  });

  it('stops while waiting without committing the waiting batches; the next consumer stores them once', async () => {
    const agentBefore = await committed('agent');
    await refuseAgentEvents();
    const consumer = new IngestConsumer({ config, store, log });
    await consumer.start();
    try {
      await produceTraffic(config, part(3), { partitions: PARTITIONS });
      await waitFor(async () => consumer.storeOutage.waitingPartitions > 0, 60_000, 'an agent partition waiting for the store');
    } finally {
      await consumer.stop();
    }
    expect(await committed('agent')).toBe(agentBefore);
    await acceptAgentEvents();
    await consumeEverything(3);
  });

  it('a rebalance while waiting: the waiting batches stop, each partition waits under its new owner, and they store everything once', async () => {
    const agentBefore = await committed('agent');
    await refuseAgentEvents();
    const first = new IngestConsumer({ config, store, log });
    const second = new IngestConsumer({ config, store, log });
    await first.start();
    try {
      await produceTraffic(config, part(4), { partitions: PARTITIONS });
      await waitFor(async () => first.storeOutage.waitingPartitions === PARTITIONS, 60_000, 'the three agent partitions waiting in the first member');
      await second.start();
      // Every agent partition waits in exactly one member: the one that owns it now.
      const waitingIn = () => [...first.storeOutage.partitions, ...second.storeOutage.partitions];
      await waitFor(async () => second.assignedPartitions > 0 && second.storeOutage.waitingPartitions > 0 && waitingIn().length === PARTITIONS && new Set(waitingIn()).size === PARTITIONS,
        120_000, () => `each agent partition waiting in one member (first: ${first.storeOutage.partitions.join(', ')}; second: ${second.storeOutage.partitions.join(', ')})`);
      expect(await committed('agent')).toBe(agentBefore);
      await acceptAgentEvents();
      await waitFor(() => caughtUp(SOURCE_KINDS), 120_000, 'every offset committed by the two members');
    } finally {
      await second.stop();
      await first.stop();
    }
    await expectStoredOnce(4);
  });

  it('gives up after giveUpAfterMs: ingest fails with STORE_OUTAGE and commits nothing it did not store', async () => {
    const agentBefore = await committed('agent');
    await refuseAgentEvents();
    const impatient: Config = { ...config, ingest: { ...config.ingest, storeOutage: { retryMaxDelayMs: 400, giveUpAfterMs: 1_500 } } };
    const consumer = new IngestConsumer({ config: impatient, store, log });
    await consumer.start();
    let failure: Error | undefined;
    try {
      await produceTraffic(config, part(5), { partitions: PARTITIONS });
      failure = await consumer.failed;
    } finally {
      await consumer.stop();
    }
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).code).toBe('STORE_OUTAGE');
    expect(failure?.message).toMatch(/giveUpAfterMs 1500/);
    expect(await committed('agent')).toBe(agentBefore);
    await acceptAgentEvents();
    await consumeEverything(5);
  });
});
