import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDetector } from '../../src/detect/define-detector.ts';
import { runCycle } from '../../src/detect/cycle.ts';
import { sql } from '../../src/detect/sql.ts';
import { readWatermark } from '../../src/detect/state.ts';
import { utcHour } from '../../src/detect/windows.ts';
import { AppError } from '../../src/errors.ts';
import { Lease } from '../../src/service/lease.ts';
import { LeasedRole } from '../../src/service/leased-role.ts';
import type { Role } from '../../src/service/role.ts';
import { detectRole } from '../../src/service/detect-role.ts';
import { migrate } from '../../src/store/migrate.ts';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';

/**
 * The lease algorithm (src/service/lease.ts, 0015_leases.sql) with two holders on one real store
 * and an injected clock. Two replicas against one ClickHouse cannot be two processes here: the
 * embedded engine opens a data directory in one process only, so the replicas are two lease clients
 * in this process; test/integration/run-failover.int.test.ts kills a real `run --role detect`
 * process and starts another on the same data directory.
 */
const config = testConfig('lease');
const log = createLogger('silent');
let store: Store;
beforeAll(async () => {
  store = await testStore(config);
});
afterAll(async () => {
  await store?.close();
});

const alwaysDetector = (id: string) => defineDetector({
  id, title: 'Always one alert', description: 'Fires for every window; makes writes observable.',
  severity: 'info', audience: 'finops',
  controls: { owaspAgentic: ['ASI08'], maestro: ['L5'], nistAiRmf: ['MEASURE 2.7'], nistCsf: ['DE.CM-01'] },
  runbook: 'Test detector: an alert means the cycle stored what it evaluated.', falsePositives: ['None; test only'],
  schedule: { every: '1h', lookback: '1h', settle: '0m', maxWait: '6h', recheck: '24h' },
  query: sql`SELECT 'platform' AS team, toStartOfHour({from:DateTime64(3)}) AS hour, count() + 1 AS n FROM gateway_requests
             WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}`,
  alert: (r: { team: string; hour: string; n: number }) => ({
    entity: `team:${r.team}`, team: r.team, identity: '', credential: '', summary: 'always', evidence: { figures: { n: r.n } }, ...utcHour(r.hour),
  }),
});
const always = alwaysDetector('gateway.test-always');
const alwaysB = alwaysDetector('gateway.test-always-failover');

const TTL = 15_000;
function clock(start = Date.UTC(2026, 9, 20, 12)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

// Lease clients here behave as against a ClickHouse server (`exclusive: false`): the holder's own
// expiry is enforced. The embedded default's exclusive mode has its own case at the end.
describe('lease', () => {
  it('one holder at a time; renewal; takeover only after expiry; the old holder is fenced', async () => {
    const c = clock();
    const a = new Lease({ store, name: 'l1', holder: 'a', ttlMs: TTL, clock: c.now, exclusive: false });
    const b = new Lease({ store, name: 'l1', holder: 'b', ttlMs: TTL, clock: c.now, exclusive: false });
    expect(await a.tryAcquire()).toBe(true);
    expect(a.epoch).toBe(1);
    expect(await b.tryAcquire()).toBe(false);
    await a.fence(1);

    c.advance(10_000);
    expect(await a.tryAcquire()).toBe(true); // renewed until +25 s
    c.advance(8_000);
    expect(await b.tryAcquire()).toBe(false); // a's renewal still holds
    await a.fence(1);
    c.advance(3_000); // 4 s left: too little for a write to land safely before b may claim
    await expect(a.fence(1)).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(await b.tryAcquire()).toBe(false);

    c.advance(TTL); // a stalls: no renewal
    await expect(a.fence(1)).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(await b.tryAcquire()).toBe(true);
    expect(b.epoch).toBe(2);
    await expect(a.fence(1)).rejects.toBeInstanceOf(AppError);
    expect(await a.tryAcquire()).toBe(false);
    expect(await a.read()).toMatchObject({ epoch: 2, holder: 'b' });
  });

  it('two claimers of one epoch: the store keeps one claim and both agree on the winner', async () => {
    const c = clock();
    for (let round = 1; round <= 5; round += 1) {
      const name = `race-${round}`;
      const a = new Lease({ store, name, holder: 'a', ttlMs: TTL, clock: c.now, exclusive: false });
      const b = new Lease({ store, name, holder: 'b', ttlMs: TTL, clock: c.now, exclusive: false });
      // Both saw "no lease" and claim epoch 1; the order of arrival varies with the round.
      const results = round % 2 ? await Promise.all([a.claim(1), b.claim(1)]) : (await Promise.all([b.claim(1), a.claim(1)])).reverse();
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await count(store, 'SELECT count() AS c FROM leases WHERE name = {n:String}', { n: name })).toBe(1);
      const winner = results[0] ? 'a' : 'b';
      expect((await a.read())?.holder).toBe(winner);
      expect((await b.read())?.holder).toBe(winner);
    }
  });

  it('release hands the lease over at once, with the next epoch', async () => {
    const c = clock();
    const a = new Lease({ store, name: 'l2', holder: 'a', ttlMs: TTL, clock: c.now, exclusive: false });
    const b = new Lease({ store, name: 'l2', holder: 'b', ttlMs: TTL, clock: c.now, exclusive: false });
    expect(await a.tryAcquire()).toBe(true);
    await a.release();
    expect(await b.tryAcquire()).toBe(true);
    expect(b.epoch).toBe(2);
  });

  it('a leased role runs its inner role only while it holds the lease, and stops it when the lease is lost', async () => {
    const c = clock();
    const events: string[] = [];
    const inner = (tag: string) => (_fence: () => Promise<void>, epoch: number): Role => ({
      name: 'detect',
      start: async () => void events.push(`${tag} start ${epoch}`),
      stop: async () => void events.push(`${tag} stop ${epoch}`),
      ready: () => ({ ok: true, detail: {} }),
    });
    const leaseA = new Lease({ store, name: 'l3', holder: 'a', ttlMs: TTL, clock: c.now, exclusive: false });
    const leaseB = new Lease({ store, name: 'l3', holder: 'b', ttlMs: TTL, clock: c.now, exclusive: false });
    // Heartbeats far apart: the test drives them through start() and explicit beats.
    const a = new LeasedRole({ name: 'detect', lease: leaseA, log, build: inner('a'), heartbeatMs: 3_600_000 });
    const b = new LeasedRole({ name: 'detect', lease: leaseB, log, build: inner('b'), heartbeatMs: 3_600_000 });
    await a.start();
    await b.start();
    expect([a.active, b.active]).toEqual([true, false]);
    c.advance(TTL + 1); // a stalls past its lease
    await (b as unknown as { beat(): Promise<void> }).beat();
    await (a as unknown as { beat(): Promise<void> }).beat();
    expect([a.active, b.active]).toEqual([false, true]);
    await a.stop();
    await b.stop();
    expect(events).toEqual(['a start 1', 'b start 2', 'a stop 1', 'b stop 2']);
  });

  it('a scheduler cycle that lost its lease stores no alert and moves no watermark', async () => {
    const now = new Date(Date.UTC(2026, 9, 20, 12, 30));
    const c = clock(now.getTime());
    const mine = new Lease({ store, name: 'scheduler-test', holder: 'a', ttlMs: TTL, clock: c.now, exclusive: false });
    const other = new Lease({ store, name: 'scheduler-test', holder: 'b', ttlMs: TTL, clock: c.now, exclusive: false });
    expect(await mine.tryAcquire()).toBe(true);
    c.advance(TTL + 1);
    expect(await other.tryAcquire()).toBe(true);
    const deps = { store, log, policyVersion: 'test', initialWatermark: now.getTime() - 3 * 3_600_000, fence: () => mine.fence(1) };
    await expect(runCycle(deps, always, now)).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(await readWatermark(store, always.id)).toBeNull();
    expect(await count(store, "SELECT count() AS c FROM alerts WHERE detector = 'gateway.test-always'")).toBe(0);
    // The holder's cycle writes.
    const report = await runCycle({ ...deps, fence: () => other.fence(2) }, always, now);
    expect(report.evaluated.length).toBeGreaterThan(0);
    expect(await count(store, "SELECT count() AS c FROM alerts WHERE detector = 'gateway.test-always'")).toBeGreaterThan(0);
  });

  it('on a store only this process can open, a holder whose renewal was held up past the TTL keeps its lease', async () => {
    const c = clock();
    const a = new Lease({ store, name: 'l4', holder: 'a', ttlMs: TTL, clock: c.now, exclusive: true });
    expect(await a.tryAcquire()).toBe(true);
    c.advance(TTL * 3); // a long query held the renewal up
    await a.fence(1);
    expect(await a.tryAcquire()).toBe(true);
    expect(a.epoch).toBe(1);
    // After this process is gone, a successor still gets in once the lease has expired.
    c.advance(TTL + 1);
    const successor = new Lease({ store, name: 'l4', holder: 'b', ttlMs: TTL, clock: c.now, exclusive: true });
    expect(await successor.tryAcquire()).toBe(true);
    expect(successor.epoch).toBe(2);
  });

  it('scheduler failover between two replicas: the successor continues from the watermark, no alert raised twice', async () => {
    const now = new Date(Date.UTC(2026, 9, 21, 12, 30));
    const c = clock(now.getTime());
    const raised: { replica: string; fingerprint: string }[] = [];
    const replica = (holder: string) => new LeasedRole({
      name: 'detect', log, lease: new Lease({ store, name: 'scheduler-failover', holder, ttlMs: TTL, clock: c.now, exclusive: false }),
      heartbeatMs: 3_600_000,
      build: (fence) => detectRole({
        store, log, detectors: [alwaysB], policyVersion: async () => 'test', fence, now: () => new Date(c.now()),
        since: new Date(now.getTime() - 6 * 3_600_000),
        onNewAlerts: (alerts) => raised.push(...alerts.map((a) => ({ replica: holder, fingerprint: a.fingerprint }))),
      }),
    });
    const a = replica('a');
    const b = replica('b');
    const beat = (r: LeasedRole) => (r as unknown as { beat(): Promise<void> }).beat();
    await a.start();
    await b.start();
    await waitFor(async () => (await readWatermark(store, alwaysB.id)) === Date.UTC(2026, 9, 21, 12), 60_000, "a's catch-up");
    c.advance(TTL + 1); // a stalls
    await beat(b); // b takes over
    await beat(a); // a notices and stops
    expect([a.active, b.active]).toEqual([false, true]);
    c.advance(3_600_000 - TTL - 1); // an hour on: one more window, for b
    await beat(b);
    await waitFor(async () => (await readWatermark(store, alwaysB.id)) === Date.UTC(2026, 9, 21, 13), 60_000, "b's window");
    await a.stop();
    await b.stop();
    const fingerprints = raised.map((r) => r.fingerprint);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
    expect(raised.filter((r) => r.replica === 'a')).toHaveLength(6);
    expect(raised.filter((r) => r.replica === 'b')).toHaveLength(1);
    expect(await count(store, "SELECT count() AS c FROM alerts FINAL WHERE detector = 'gateway.test-always-failover'")).toBe(7);
  });

  it('replicas migrating one store at once: one migrates, the others wait and find it done', async () => {
    const fresh = testConfig('lease-migrate');
    // Same engine, a database of its own (the embedded engine is one per process).
    const db = fresh.clickhouse.database;
    await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
    const scoped: Store = { ...store, database: db };
    const client = store.client;
    // Point unqualified names at the new database for these calls only: run them on a scoped session.
    await client.command({ query: `USE ${db}` });
    try {
      const results = await Promise.all([migrate(scoped, log, undefined, { lockPollMs: 50 }), migrate(scoped, log, undefined, { lockPollMs: 50 }), migrate(scoped, log, undefined, { lockPollMs: 50 })]);
      const applied = results.map((r) => r.length).sort((x, y) => y - x);
      expect(applied[0]).toBeGreaterThan(10);
      expect(applied.slice(1)).toEqual([0, 0]);
      expect(await count(scoped, 'SELECT count() AS c FROM schema_migrations')).toBe(applied[0]);
    } finally {
      await client.command({ query: `USE ${config.clickhouse.database}` });
    }
  });
});
