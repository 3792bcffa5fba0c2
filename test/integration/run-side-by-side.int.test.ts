import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config/schema.ts';
import { SOURCE_KINDS, type SourceKind } from '../../src/decode/types.ts';
import { simulatedRecords } from '../../src/simulate/planner.ts';
import type { Store } from '../../src/store/store.ts';
import { startChdbHttpServer, type ChdbHttpServer } from '../helpers/chdb-http-server.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';
import { startReceiver, type Receiver } from '../helpers/http-receiver.ts';
import { createTopics } from '../helpers/kafka.ts';
import { produceTraffic, startDetectDeliver, startDriftwatch, waitForProgress, type Child } from '../faults/harness.ts';

/**
 * Two replicas of `run --role detect --role deliver` side by side on ONE store, the way they run
 * against a ClickHouse server (here the test endpoint over the real engine,
 * test/helpers/chdb-http-server.ts: the embedded engine alone opens a data directory in one
 * process only). One holds the scheduler and dispatcher leases, the other waits; the holder is
 * SIGKILLed after raising an alert, the other takes both leases over with epoch 2 and finishes.
 * No alert is raised twice and every alert the outbox holds reaches the webhook; a send may repeat
 * only if the killed holder had made it (at least once, same idempotency-key).
 *
 * The traffic spans a UTC midnight that every daily detector has settled past, whatever the hour
 * (the replicas run on the real clock): see scheduler-kill.faults.test.ts.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HOURS = 4;
const POLICY = fileURLToPath(new URL('../../policy.example.yaml', import.meta.url));
const midnight = Math.floor((Date.now() - 3 * HOUR) / DAY) * DAY;
const start = midnight - 2 * HOUR;
const records = simulatedRecords({ start, end: start + HOURS * HOUR, messagesPerHour: 400, seed: 72, incidentsPerHour: 3 });
let config: Config = testConfig('side-by-side');
let server: ChdbHttpServer | undefined;
let store: Store | undefined;
let hook: Receiver;

beforeAll(async () => {
  server = await startChdbHttpServer({ dataDir: config.clickhouse.dataDir });
  config = { ...config, clickhouse: { ...config.clickhouse, url: server.url } };
  store = await testStore(config);
  hook = await startReceiver();
  await createTopics(config, 2);
  const messages = Object.fromEntries(SOURCE_KINDS.map((s) => [s, records.filter((r) => r.source === s).map((r) => Buffer.from(JSON.stringify(r.doc)))])) as Record<SourceKind, Buffer[]>;
  await produceTraffic(config, messages, { partitions: 2 });
  const ingest = startDriftwatch(config, ['ingest']);
  await waitForProgress(config, (p) => p.committed === records.length, 170_000, 'traffic ingested', ingest);
  ingest.process.kill('SIGTERM');
  expect((await ingest.exited).code).toBe(0);
}, 180_000);
afterAll(async () => {
  await hook?.close();
  await store?.close();
  await server?.close();
});

const startReplica = (): Child => startDetectDeliver(config, start, hook.url, POLICY);

const lines = (c: Child, msg: string) => c.logs().filter((l) => l['msg'] === msg);
const leases = (c: Child) => lines(c, 'Lease acquired; role active').map((l) => `${String(l['lease'])}:${String(l['epoch'])}`).sort();
/** The last time the replica evaluated a window or raised an alert (0: never). */
const lastWork = (c: Child) => Math.max(0, ...[...lines(c, 'Detector run finished'), ...lines(c, 'Alert raised')].map((l) => Number(l['time'])));

describe('run --role detect --role deliver: two replicas side by side on one store', () => {
  it('the standby takes both leases over from a SIGKILLed holder; no alert raised twice, every alert delivered', async () => {
    const replicas = [startReplica(), startReplica()];
    await waitFor(async () => replicas.some((r) => leases(r).length === 2 && lines(r, 'Alert raised').length >= 1), 150_000,
      () => `a replica holding both leases and raising; ${replicas.map((r) => r.status()).join('; ')}`);
    const holder = replicas.find((r) => leases(r).length === 2) as Child;
    const standby = replicas.find((r) => r !== holder) as Child;
    // Side by side: the standby is up and has taken neither lease while the holder lives.
    expect(standby.process.exitCode).toBeNull();
    expect(leases(holder)).toEqual(['dispatcher:1', 'scheduler:1']);
    expect(leases(standby)).toEqual([]);
    holder.process.kill('SIGKILL');
    const sentByHolder = new Set(hook.accepted.map((r) => String(r.headers['idempotency-key'])));
    expect((await holder.exited).signal).toBe('SIGKILL');

    await waitFor(async () => leases(standby).length === 2, 60_000, () => `the standby takes both leases; ${standby.status()}`);
    expect(leases(standby)).toEqual(['dispatcher:2', 'scheduler:2']);
    // Caught up: the standby evaluated windows, then nothing for 15 s; then the outbox drains.
    await waitFor(async () => lastWork(standby) > 0 && Date.now() - lastWork(standby) > 15_000, 240_000, () => `the standby caught up; ${standby.status()}`);
    const s = store as Store;
    await waitFor(async () => (await count(s, "SELECT countIf(state != 'delivered') c FROM alert_deliveries FINAL")) === 0, 60_000, 'the outbox delivered');
    standby.process.kill('SIGTERM');
    expect((await standby.exited).code).toBe(0);

    const raised = [...lines(holder, 'Alert raised'), ...lines(standby, 'Alert raised')].map((l) => String(l['fingerprint']));
    expect(raised.length).toBeGreaterThan(1);
    expect(new Set(raised).size).toBe(raised.length);
    expect(await count(s, 'SELECT count() c FROM alerts FINAL')).toBe(await count(s, 'SELECT uniqExact(fingerprint) c FROM alerts'));
    const res = await s.client.query({ query: 'SELECT fingerprint, kind FROM alert_deliveries FINAL', format: 'JSONEachRow' });
    const outbox = (await res.json<{ fingerprint: string; kind: string }>()).map((d) => `${d.fingerprint}:${d.kind}`);
    const keys = hook.accepted.map((r) => String(r.headers['idempotency-key']));
    expect(outbox.length).toBeGreaterThan(0);
    expect(outbox.filter((k) => !keys.includes(k))).toEqual([]);
    const repeated = [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))];
    expect(repeated.filter((k) => !sentByHolder.has(k))).toEqual([]);
  }, 420_000);
});
