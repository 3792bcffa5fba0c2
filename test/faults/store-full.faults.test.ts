import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config/schema.ts';
import type { Store } from '../../src/store/store.ts';
import { count, testConfig, testStore } from '../helpers/env.ts';
import { createTopics } from '../helpers/kafka.ts';
import { exactlyOnce, produceTraffic, progress, reportCase, rollupMismatches, sleep, startDriftwatch, tableCounts, waitForProgress } from './harness.ts';
import { faultTraffic } from './traffic.ts';

/**
 * Fault: the store's disk fills up during ingest. The embedded engine's data directory sits on a
 * tmpfs of its own (mounted here: CI and the project's machines run as root), shrunk after the
 * migrations to a few MiB above what they use, so the simulator's traffic fills it within the
 * first batches. Inserts then fail (ClickHouse: not enough space), the sink retries with backoff
 * and ingest stops without committing what it could not store. After the disk is grown back, a
 * restarted ingest stores everything, once.
 */
const MiB = 1024 * 1024;
const SLACK_MIB = 3;
const traffic = faultTraffic({ hours: 6, messagesPerHour: 1500, seed: 45 });
const PARTITIONS = 3;
const mountPoint = mkdtempSync(join(tmpdir(), 'driftwatch-small-disk-'));
let mounted = false;
let config: Config;
let store: Store | undefined;

const usedMiB = () => {
  const s = statfsSync(mountPoint);
  return Math.ceil(((s.blocks - s.bfree) * s.bsize) / MiB);
};
const resize = (mib: number) => execFileSync('mount', ['-o', `remount,size=${mib}m`, mountPoint]);

beforeAll(async () => {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', mountPoint]);
  mounted = true;
  mkdirSync(join(mountPoint, 'data'));
  const base = testConfig('fault-disk');
  config = { ...base, clickhouse: { ...base.clickhouse, dataDir: join(mountPoint, 'data') } };
  await createTopics(config, PARTITIONS);
  // The schema first, on a roomy disk; then the disk is cut down to what that left plus a little.
  const migrated = await testStore(config);
  await migrated.close();
});
afterAll(async () => {
  await store?.close();
  if (mounted) execFileSync('umount', [mountPoint]);
});

describe('fault: store unavailable during ingest (its disk full)', () => {
  it('stops without committing what it could not store, and recovers every row once', async () => {
    const smallMiB = usedMiB() + SLACK_MIB;
    resize(smallMiB);
    await produceTraffic(config, traffic.messages, { partitions: PARTITIONS });

    const starved = startDriftwatch(config, ['ingest']);
    const outcome = await starved.exited;
    const stopped = starved.logs().find((l) => l['msg'] === 'Flush failed; stopping ingest without committing');
    const atStop = await progress(config);
    expect(outcome.code, starved.status()).not.toBe(0);
    expect(String(stopped?.['err'] ?? '')).toMatch(/space|ENOSPC|243/i);
    expect(atStop.committed).toBeLessThan(traffic.total);
    // Nothing moves while ingest is down: the committed offsets are what the store holds.
    await sleep(3_000);
    expect((await progress(config)).committed).toBe(atStop.committed);

    resize(256);
    const recovered = startDriftwatch(config, ['ingest']);
    await waitForProgress(config, (p) => p.committed === traffic.total, 240_000, 'every offset committed after the disk was grown', recovered);
    recovered.process.kill('SIGTERM');
    expect((await recovered.exited).code).toBe(0);

    store = await testStore(config);
    const stored = await tableCounts(store);
    reportCase('store disk full during ingest', {
      produced: traffic.total, diskMiB: smallMiB, committedWhenStopped: atStop.committed, error: String(stopped?.['err'] ?? '').slice(0, 160), expected: traffic.expectedRows, stored,
    });
    expect(stored).toEqual(exactlyOnce(traffic.expectedRows));
    expect(await rollupMismatches(store)).toEqual([]);
    expect(await count(store, 'SELECT count() c FROM ingest_rejects')).toBe(0);
  });
});
