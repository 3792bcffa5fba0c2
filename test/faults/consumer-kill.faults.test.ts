import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { count, testConfig, testStore } from '../helpers/env.ts';
import { createTopics } from '../helpers/kafka.ts';
import { exactlyOnce, exitOf, produceTraffic, progress, reportCase, rollupMismatches, startDriftwatch, tableCounts, waitForProgress } from './harness.ts';
import { faultTraffic } from './traffic.ts';

/**
 * Fault: the consumer SIGKILLed mid-batch, again and again, while the simulator's traffic for all
 * four sources is still being produced. The first process kills itself between a batch's inserts
 * and its offset commit (the window where a naive consumer doubles rows); three more are killed
 * from outside at whatever point they are; the last runs to the end. Every table and roll-up must
 * then hold exactly the rows the produced messages make.
 */
const config = testConfig('fault-kill');
const traffic = faultTraffic({ hours: 6, messagesPerHour: 1500, seed: 21 });
const PARTITIONS = 3;
const KILLS_FROM_OUTSIDE = 3;
let store: Store | undefined;

beforeAll(async () => {
  await createTopics(config, PARTITIONS);
});
afterAll(async () => {
  await store?.close();
});

describe('fault: consumer SIGKILL mid-batch, repeated', () => {
  it(`stores ${traffic.total} simulated messages exactly once across ${KILLS_FROM_OUTSIDE + 1} SIGKILLs`, async () => {
    const producing = produceTraffic(config, traffic.messages, { partitions: PARTITIONS, chunk: 250, pauseMs: 400 });

    const first = startDriftwatch(config, ['ingest'], { env: { DRIFTWATCH_FAULT_KILL_AFTER_INSERTS: '3' } });
    expect((await exitOf(first, 60_000, 'first SIGKILLed')).signal).toBe('SIGKILL');
    let committed = (await progress(config)).committed;

    for (let k = 0; k < KILLS_FROM_OUTSIDE; k++) {
      const child = startDriftwatch(config, ['ingest']);
      const before = committed;
      await waitForProgress(config, (p) => p.committed > before + 300, 120_000, `progress after restart ${k + 1}`);
      child.process.kill('SIGKILL');
      expect((await exitOf(child, 60_000, 'child SIGKILLed')).signal).toBe('SIGKILL');
      committed = (await progress(config)).committed;
    }
    expect(committed).toBeLessThan(traffic.total);

    await producing;
    const last = startDriftwatch(config, ['ingest']);
    await waitForProgress(config, (p) => p.committed === traffic.total, 240_000, 'every offset committed');
    last.process.kill('SIGTERM');
    expect((await exitOf(last, 120_000, 'last stopping')).code).toBe(0);

    store = await testStore(config);
    const stored = await tableCounts(store);
    reportCase('consumer SIGKILL mid-batch, repeated', { produced: traffic.total, kills: KILLS_FROM_OUTSIDE + 1, expected: traffic.expectedRows, stored });
    expect(stored).toEqual(exactlyOnce(traffic.expectedRows));
    expect(await rollupMismatches(store)).toEqual([]);
    expect(await count(store, 'SELECT count() c FROM ingest_rejects')).toBe(0);
  });
});
