import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { startLocalKafka, type LocalKafka } from '../../src/infra/local-kafka.ts';
import type { Store } from '../../src/store/store.ts';
import { count, testConfig, testStore } from '../helpers/env.ts';
import { createTopics } from '../helpers/kafka.ts';
import { exactlyOnce, exitOf, produceTraffic, progress, reportCase, rollupMismatches, sleep, startDriftwatch, tableCounts, waitForProgress } from './harness.ts';
import { faultTraffic } from './traffic.ts';

/**
 * Fault: the broker is stopped (SIGTERM, as an operator's restart) and started again on the same
 * ports and storage, twice, while the simulator's traffic is being produced and `driftwatch
 * ingest` consumes it. The broker is this case's own (the run's shared broker serves other files).
 * The producer and the consumer ride the outage on their retries; afterwards the topics hold each
 * message once and the store holds exactly the rows they make.
 */
const traffic = faultTraffic({ hours: 6, messagesPerHour: 1200, seed: 33 });
const PARTITIONS = 3;
const RESTARTS = 2;
let broker: LocalKafka;
let config: Config;
let store: Store | undefined;

beforeAll(async () => {
  broker = await startLocalKafka({ defaultPartitions: PARTITIONS, heapMb: 384 });
  const base = testConfig('fault-broker');
  config = { ...base, kafka: { ...base.kafka, brokers: broker.brokers } };
  await createTopics(config, PARTITIONS);
});
afterAll(async () => {
  await store?.close();
  await broker?.stop();
});

describe('fault: broker stopped and restarted while producing and consuming', () => {
  it(`stores ${traffic.total} simulated messages exactly once across ${RESTARTS} broker restarts`, async () => {
    const outages: number[] = [];
    const ingest = startDriftwatch(config, ['ingest']);
    const producing = produceTraffic(config, traffic.messages, { partitions: PARTITIONS, chunk: 150, pauseMs: 500 });
    for (let r = 0; r < RESTARTS; r++) {
      const before = (await progress(config)).committed;
      await waitForProgress(config, (p) => p.committed > before + 200, 120_000, `consuming before restart ${r + 1}`, ingest);
      const t0 = performance.now();
      await broker.restart();
      outages.push(Math.round(performance.now() - t0));
      await sleep(1_000);
    }
    await producing;
    const { end } = await progress(config);
    await waitForProgress(config, (p) => p.committed === end, 240_000, 'every offset committed after the restarts', ingest);
    expect(ingest.process.exitCode).toBeNull();
    ingest.process.kill('SIGTERM');
    expect((await exitOf(ingest, 120_000, 'ingest stopping')).code).toBe(0);

    store = await testStore(config);
    const stored = await tableCounts(store);
    reportCase('broker stopped and restarted', { produced: traffic.total, inTopics: end, restarts: RESTARTS, outageMs: outages, expected: traffic.expectedRows, stored });
    // The idempotent producer's retries across the outage must not have written a message twice.
    expect(end).toBe(traffic.total);
    expect(stored).toEqual(exactlyOnce(traffic.expectedRows));
    expect(await rollupMismatches(store)).toEqual([]);
    expect(await count(store, 'SELECT count() c FROM ingest_rejects')).toBe(0);
  });
});
