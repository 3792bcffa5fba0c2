import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { persistAlerts } from '../../src/detect/alerts.ts';
import { enqueueDeliveries } from '../../src/alerts/outbox.ts';
import { getAlert } from '../../src/alerts/repository.ts';
import type { Store } from '../../src/store/store.ts';
import { makeAlert } from '../helpers/alerts.ts';
import { testConfig, testStore, waitFor } from '../helpers/env.ts';
import { startReceiver, type Receiver } from '../helpers/http-receiver.ts';
import { exitOf, reportCase, sleep, startDriftwatch, type Child } from './harness.ts';

/**
 * Fault: a webhook destination answers 500, then stops answering (the dispatcher's timeout fires),
 * and the dispatcher (`run --role deliver`) is SIGKILLed while its requests hang. A second replica
 * takes the dispatcher lease over once the first one's has expired (epoch 2), the webhook
 * recovers, and every alert is accepted by the receiver exactly once (counted by the
 * idempotency key the webhook sends), with its delivery recorded as delivered.
 *
 * The alerts are written straight into the outbox: what is under test is delivery, and the
 * scheduler's own failover is scheduler-kill.faults.test.ts.
 */
const ALERTS = 20;
const config = testConfig('fault-deliver');
const SECRET = 'whsec-fault-secret';
const routes = [{ match: {}, destinations: ['hook'] }];
let hook: Receiver;
let store: Store | undefined;
const ids: string[] = [];

function startDispatcher(): Child {
  return startDriftwatch(config, ['run', '--role', 'deliver'], {
    config: {
      service: { leaseTtlMs: 3_000 },
      alerts: {
        destinations: [{ name: 'hook', type: 'webhook', url: `${hook.url}/hook`, secretFromEnv: 'FAULT_HOOK_SECRET' }],
        routes,
        dispatcher: { pollMs: 200, baseDelayMs: 300, maxDelayMs: 2_000, maxAttempts: 100, timeoutMs: 1_000 },
      },
    },
    env: { FAULT_HOOK_SECRET: SECRET },
  });
}

const acquired = (c: Child) => c.logs().filter((l) => l['msg'] === 'Lease acquired; role active' && l['lease'] === 'dispatcher').map((l) => Number(l['epoch']));
const keysAccepted = () => hook.accepted.map((r) => String(r.headers['idempotency-key']));

beforeAll(async () => {
  hook = await startReceiver();
  const seeded = await testStore(config);
  const now = new Date();
  const alerts = Array.from({ length: ALERTS }, (_, i) => makeAlert({ entity: `key:fault-${i}`, windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, now));
  const { created } = await persistAlerts(seeded, alerts, now);
  await enqueueDeliveries(seeded, created, routes, now);
  ids.push(...created.map((a) => a.id));
  await seeded.close();
});
afterAll(async () => {
  await store?.close();
  await hook?.close();
});

describe('fault: webhook 500s and timeouts, dispatcher SIGKILLed mid-delivery', () => {
  it(`delivers each of ${ALERTS} alerts exactly once through a second replica`, async () => {
    expect(ids).toHaveLength(ALERTS);
    hook.mode = 'fail';
    const a = startDispatcher();
    await waitFor(async () => hook.all.length >= ALERTS, 120_000, 'every alert refused once with HTTP 500');
    const refused = hook.all.length;
    hook.mode = 'hang';
    await waitFor(async () => hook.all.length >= refused + 3, 60_000, 'requests hanging');
    await sleep(1_500); // past the 1 s timeout: the hanging attempts have timed out and been retried
    a.process.kill('SIGKILL');
    expect((await exitOf(a, 60_000, 'a SIGKILLed')).signal).toBe('SIGKILL');
    expect(acquired(a)).toEqual([1]);
    expect(hook.accepted).toHaveLength(0);

    hook.release();
    hook.mode = 'ok';
    const b = startDispatcher();
    await waitFor(async () => new Set(keysAccepted()).size === ALERTS, 120_000, () => `every alert accepted; ${b.status()}`);
    // Long enough for several more polls: a second send would show here.
    await sleep(3_000);
    b.process.kill('SIGTERM');
    expect((await exitOf(b, 120_000, 'b stopping')).code).toBe(0);
    expect(acquired(b)).toEqual([2]);

    const perKey = new Map<string, number>();
    for (const k of keysAccepted()) perKey.set(k, (perKey.get(k) ?? 0) + 1);
    reportCase('webhook 500 + timeout, dispatcher SIGKILLed, replica takes the lease', {
      alerts: ALERTS, requests: hook.all.length, accepted: hook.accepted.length, distinctAccepted: perKey.size, leaseEpochs: [...acquired(a), ...acquired(b)],
    });
    expect([...perKey.values()].every((n) => n === 1)).toBe(true);
    expect(hook.accepted).toHaveLength(ALERTS);

    store = await testStore(config);
    for (const id of ids) expect((await getAlert(store, id))?.deliveries.map((d) => d.state)).toEqual(['delivered']);
  });
});
