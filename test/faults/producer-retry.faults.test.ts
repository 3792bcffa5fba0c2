import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE_KINDS, type SourceKind } from '../../src/decode/types.ts';
import type { Store } from '../../src/store/store.ts';
import { count, testConfig, testStore } from '../helpers/env.ts';
import { createTopics } from '../helpers/kafka.ts';
import { exactlyOnce, exitOf, produceTraffic, progress, reportCase, rollupMismatches, sleep, startDriftwatch, tableCounts, waitForProgress } from './harness.ts';
import { decodedRecords, expectedRows, faultTraffic, type FaultTraffic } from './traffic.ts';

/**
 * Fault: a producer retrying records it already sent — the same messages again at new offsets,
 * mostly in another partition than the first time. While the simulator's traffic is produced and
 * consumed, every third run of 40 messages is sent a second time a moment later; `driftwatch ingest` is
 * SIGKILLed once meanwhile and restarted (the memory of seen keys is the store, not the process);
 * at the end the first hour's messages are sent once more, hours of simulated time after they
 * happened (the first third of a 3-hour traffic). Every table and roll-up must hold exactly the rows one copy of the traffic makes.
 */
const config = testConfig('fault-retry');
const traffic = faultTraffic({ hours: 3, messagesPerHour: 500, seed: 44 });
const PARTITIONS = 3;
const CHUNK = 200;
/** Retried runs are this many messages of one source: small, so every source has some. */
const RETRY_RUN = 40;
let store: Store | undefined;

/** Every third run of `RETRY_RUN` messages per source, in order. */
function everyThirdRun(): FaultTraffic['messages'] {
  return Object.fromEntries(SOURCE_KINDS.map((s) => [s, traffic.messages[s].filter((_, i) => Math.floor(i / RETRY_RUN) % 3 === 1)])) as FaultTraffic['messages'];
}

/** The messages of the traffic's first `share` per source. */
function firstShare(share: number): FaultTraffic['messages'] {
  return Object.fromEntries(SOURCE_KINDS.map((s: SourceKind) => [s, traffic.messages[s].slice(0, Math.ceil(traffic.messages[s].length * share))])) as FaultTraffic['messages'];
}

const total = (m: FaultTraffic['messages']) => SOURCE_KINDS.reduce((n, s) => n + m[s].length, 0);

/** The distinct (provider, key) pairs the traffic's key-inventory pages list, as the decoders read them. */
function keysIn(messages: FaultTraffic['messages']): number {
  const keys = new Set<string>();
  for (const r of decodedRecords(messages)) {
    if (r.table === 'provider_keys') keys.add(`${(r.row as { provider: string }).provider} ${(r.row as { key_id: string }).key_id}`);
  }
  return keys.size;
}

beforeAll(async () => {
  await createTopics(config, PARTITIONS);
});
afterAll(async () => {
  await store?.close();
});

describe('fault: producer retries at new offsets', () => {
  it(`stores ${traffic.total} simulated messages once when chunks of them are produced again`, async () => {
    const retried = everyThirdRun();
    const late = firstShare(1 / 3);
    const produced = traffic.total + total(retried) + total(late);

    // Fewer, larger inserts than the harness default: the case is about keys, not batch edges, and
    // must finish on a loaded 2-core machine.
    const ingestConfig = { config: { ingest: { maxBatchRows: 5_000, maxBatchAgeMs: 1_500 } } };
    const first = startDriftwatch(config, ['ingest'], ingestConfig);
    // The retries start a little after the originals and run beside them: a copy lands soon after
    // its original, at other offsets, mostly in another partition (round-robin over a shorter list).
    const producing = Promise.all([
      produceTraffic(config, traffic.messages, { partitions: PARTITIONS, chunk: CHUNK, pauseMs: 300 }),
      sleep(1_500).then(() => produceTraffic(config, retried, { partitions: PARTITIONS, chunk: CHUNK, pauseMs: 900 })),
    ]);
    await waitForProgress(config, (p) => p.committed > 300, 240_000, 'progress before the kill', first);
    first.process.kill('SIGKILL');
    expect((await exitOf(first, 60_000, 'first SIGKILLed')).signal).toBe('SIGKILL');
    const atKill = (await progress(config)).committed;

    const second = startDriftwatch(config, ['ingest'], ingestConfig);
    await producing;
    await produceTraffic(config, late, { partitions: PARTITIONS, chunk: CHUNK });
    await waitForProgress(config, (p) => p.committed === produced && p.end === produced, 330_000, 'every offset committed', second);
    second.process.kill('SIGTERM');
    expect((await exitOf(second, 120_000, 'second stopping')).code).toBe(0);
    const stopped = second.logs().find((l) => l['msg'] === 'Ingest stopped');

    store = await testStore(config);
    const stored = await tableCounts(store);
    const keyDuplicates: Record<string, number> = {};
    for (const t of ['gateway_requests', 'provider_usage', 'idp_events', 'agent_events']) {
      keyDuplicates[t] = await count(store, `SELECT count() - uniqExact(natural_key) c FROM ${t}`);
    }
    reportCase('producer retries at new offsets', {
      produced, original: traffic.total, resent: total(retried) + total(late), resentRows: expectedRows({ ...retried }),
      lateRows: expectedRows(late), committedAtKill: atKill, expected: traffic.expectedRows, stored, keyDuplicates,
      droppedAfterRestart: stopped?.['duplicatesDropped'], keyless: stopped?.['rowsWithoutKey'],
    });
    // provider_keys has no natural key, by design (src/normalize/natural-key.ts): every delivery of a
    // key-inventory page is a pull of its own, kept as a row, and readers take the newest row per key.
    // So it holds a row per delivery, and the same keys as one copy of the traffic.
    const pulls = traffic.expectedRows.provider_keys + expectedRows(retried).provider_keys + expectedRows(late).provider_keys;
    expect(stored).toEqual({ ...exactlyOnce(traffic.expectedRows), provider_keys: { rows: pulls, distinct: pulls } });
    expect(await count(store, 'SELECT uniqExact(provider, key_id) c FROM provider_keys')).toBe(keysIn(traffic.messages));
    expect(await rollupMismatches(store)).toEqual([]);
    expect(keyDuplicates).toEqual({ gateway_requests: 0, provider_usage: 0, idp_events: 0, agent_events: 0 });
    expect(await count(store, 'SELECT count() c FROM ingest_rejects')).toBe(0);
    expect(atKill).toBeLessThan(produced);
  });
});
