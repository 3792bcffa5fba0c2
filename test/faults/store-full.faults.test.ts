import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config/schema.ts';
import type { Store } from '../../src/store/store.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';
import { createTopics } from '../helpers/kafka.ts';
import { committedByPartition, exactlyOnce, exitOf, partitionsBehind, produceTraffic, progress, reportCase, rollupMismatches, sleep, startDriftwatch, tableCounts, waitForProgress, type Child } from './harness.ts';
import { faultTraffic } from './traffic.ts';

/**
 * Fault: the store's disk fills up during ingest. The embedded engine's data directory sits on a
 * tmpfs of its own (mounted here: CI and the project's machines run as root), shrunk after the
 * migrations to a few MiB above what they use, so the simulator's traffic fills it within the
 * first batches. Inserts then fail (ClickHouse: not enough space): each refused batch's partition
 * pauses fetching and its batch is retried with backoff, nothing committed past what is stored,
 * while /readyz and /metrics say the store is refusing writes. After the disk is grown back the
 * SAME process resumes and stores everything, once.
 */
const MiB = 1024 * 1024;
const SLACK_MIB = 3;
const traffic = faultTraffic({ hours: 6, messagesPerHour: 1500, seed: 45 });
const PARTITIONS = 3;
const mountPoint = mkdtempSync(join(tmpdir(), 'driftwatch-small-disk-'));
let mounted = false;
let config: Config;
let store: Store | undefined;
let child: Child | undefined;

const usedMiB = () => {
  const s = statfsSync(mountPoint);
  return Math.ceil(((s.blocks - s.bfree) * s.bsize) / MiB);
};
const resize = (mib: number) => execFileSync('mount', ['-o', `remount,size=${mib}m`, mountPoint]);
const fillerPath = join(mountPoint, 'filler');
/** Takes every free byte of the small disk, so nothing the engine frees lets a retried batch in. */
const fill = () => {
  const fd = openSync(fillerPath, 'a');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (let size = chunk.length; size >= 512; size /= 2) {
      try {
        for (;;) writeSync(fd, chunk, 0, size);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
};

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
  if (child && child.process.exitCode === null && child.process.signalCode === null) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
  await store?.close();
  if (mounted) execFileSync('umount', [mountPoint]);
});

interface Readiness {
  status: number;
  ingest: { storeOutage: { waitingPartitions: number; partitions: string[]; waitedSeconds: number; lastError?: string }; received: number };
  reasons: string[];
}

describe('fault: store unavailable during ingest (its disk full)', () => {
  it('pauses fetching without committing what it could not store, and the same process resumes and stores every row once', async () => {
    const smallMiB = usedMiB() + SLACK_MIB;
    resize(smallMiB);
    await produceTraffic(config, traffic.messages, { partitions: PARTITIONS });

    // ingest and the API in one process: /readyz and /metrics show what ingest is doing.
    // Session timeout 30 s (the default) instead of the harness's 6 s: this case runs ingest under
    // load for minutes, and a member dropped for a late heartbeat only adds rebalances to the log.
    const run = startDriftwatch(config, ['run', '--role', 'ingest', '--role', 'api'], {
      config: { service: { port: 0 }, kafka: { brokers: config.kafka.brokers, groupId: config.kafka.groupId, topics: config.kafka.topics, sessionTimeoutMs: 30_000 } },
    });
    child = run;
    await waitFor(async () => run.logs().some((l) => l['msg'] === 'API listening'), 120_000, () => `API listening; ${run.status()}`);
    const port = run.logs().find((l) => l['msg'] === 'API listening')?.['port'] as number;
    const readiness = async (): Promise<Readiness> => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      const body = (await res.json()) as { reasons: string[] };
      // The ingest role's detail is the JSON after "ingest not ready: " (role-factories.ts readinessOf).
      const reason = body.reasons.find((r) => r.startsWith('ingest not ready: '));
      const ingest = reason ? JSON.parse(reason.slice('ingest not ready: '.length)) as Readiness['ingest'] : { storeOutage: { waitingPartitions: 0, partitions: [], waitedSeconds: 0 }, received: -1 };
      return { status: res.status, ingest, reasons: body.reasons };
    };
    const waitingGauge = async () => Number(/^driftwatch_ingest_store_waiting_partitions (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())?.[1]);

    // The disk fills: partitions pause one by one as their batch is refused, until every partition
    // with offsets left to commit is waiting for the store.
    let full: Readiness | undefined;
    let behind: string[] = [];
    await waitFor(async () => {
      behind = await partitionsBehind(config);
      full = await readiness();
      return behind.length > 0 && behind.every((p) => full?.ingest.storeOutage.partitions.includes(p));
    }, 240_000, () => `every partition with offsets left waiting for the store (behind: ${behind.join(', ')}; waiting: ${full?.ingest.storeOutage.partitions.join(', ')}); ${run.status()}`);
    const atFull = await progress(config);
    const refusals = run.logs().filter((l) => l['msg'] === 'Store refuses writes; partition paused, batch retried');
    expect(full?.status).toBe(503);
    expect(String(full?.ingest.storeOutage.lastError)).toMatch(/space|ENOSPC|243/i);
    expect(String(refusals[0]?.['err'])).toMatch(/space|ENOSPC|243/i);
    // The gauge and /readyz are two reads of a moving state (a partition may store a retried batch
    // in the space a merge freed, then pause again): they must agree at some moment, not at two.
    let gauge = -1;
    let ready = -2;
    await waitFor(async () => {
      gauge = await waitingGauge();
      ready = (await readiness()).ingest.storeOutage.waitingPartitions;
      return gauge === ready && gauge > 0;
    }, 30_000, () => `the waiting-partitions gauge (${gauge}) agreeing with /readyz (${ready})`);
    expect(atFull.committed).toBeLessThan(traffic.total);
    // Still paused a while later. The engine can release space meanwhile (a merge's reservation, a
    // failed insert's temporary part), so what is free now is taken by a filler file: the disk is
    // then really full. Even so, a partition may only commit further after its batch was stored,
    // which its "resumed" line says; every other partition's committed offset must stay put.
    fill();
    const before = await committedByPartition(config);
    const linesBefore = run.logs().length;
    await sleep(5_000);
    const after = await committedByPartition(config);
    const resumedMeanwhile = new Set(run.logs().slice(linesBefore)
      .filter((l) => l['msg'] === 'Store takes writes again; partition resumed')
      .map((l) => String(l['range']).replace(/@.*$/, '')));
    const movedWithoutStoring = [...after].filter(([p, c]) => c !== before.get(p) && !resumedMeanwhile.has(p));
    expect(movedWithoutStoring, 'partitions that committed further with no batch stored').toEqual([]);
    if (resumedMeanwhile.size === 0) expect((await readiness()).ingest.received).toBe(full?.ingest.received);
    expect(run.process.exitCode, run.status()).toBeNull();

    rmSync(fillerPath, { force: true });
    resize(256);
    await waitForProgress(config, (p) => p.committed === traffic.total, 240_000, 'every offset committed by the same process after the disk was grown', run);
    await waitFor(async () => (await readiness()).status === 200, 60_000, 'readyz 200 again');
    expect(await waitingGauge()).toBe(0);
    const resumed = run.logs().filter((l) => l['msg'] === 'Store takes writes again; partition resumed');
    expect(run.logs().filter((l) => l['msg'] === 'Ingest started')).toHaveLength(1);
    run.process.kill('SIGTERM');
    expect((await exitOf(run, 120_000, 'run stopping')).code, run.status()).toBe(0);

    store = await testStore(config);
    const stored = await tableCounts(store);
    reportCase('store disk full during ingest', {
      produced: traffic.total, diskMiB: smallMiB, committedWhileFull: atFull.committed, partitionsPaused: full?.ingest.storeOutage.waitingPartitions,
      refusals: refusals.length, resumed: resumed.length, error: String(refusals[0]?.['err'] ?? '').slice(0, 160), expected: traffic.expectedRows, stored,
    });
    expect(stored).toEqual(exactlyOnce(traffic.expectedRows));
    expect(await rollupMismatches(store)).toEqual([]);
    expect(await count(store, 'SELECT count() c FROM ingest_rejects')).toBe(0);
  });
});
