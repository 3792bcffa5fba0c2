import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { persistAlerts, type Alert } from '../../src/detect/alerts.ts';
import { sharedScratchStore, truncateTables } from '../../src/detect/scratch-store.ts';
import type { Store } from '../../src/store/store.ts';
import { applyAction, getAlert } from '../../src/alerts/repository.ts';
import { enqueueDeliveries } from '../../src/alerts/outbox.ts';
import { attemptsOf } from '../../src/alerts/outbox-table.ts';
import { Dispatcher, type DispatcherOptions } from '../../src/alerts/dispatcher.ts';
import { buildDestinations } from '../../src/alerts/destinations/index.ts';
import type { Route } from '../../src/alerts/routing.ts';
import { makeAlert } from '../helpers/alerts.ts';
import { startReceiver, type Receiver } from '../helpers/http-receiver.ts';

const TABLES = ['alerts', 'alert_triage', 'alert_events', 'alert_deliveries', 'alert_delivery_attempts'];
const T0 = new Date('2026-10-20T10:00:00Z');
const SECRET = 'whsec-test-secret';
const env = { HOOK_SECRET: SECRET, PD_KEY: 'pd-routing-key', HEC_TOKEN: 'hec-token' };

let store: Store;
let hook: Receiver;
let slack: Receiver;
let pd: Receiver;
let hec: Receiver;

function verify(header: string, body: string): { ok: boolean; t: number } {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return { ok: false, t: 0 };
  const want = createHmac('sha256', SECRET).update(`${m[1]}.${body}`).digest();
  return { ok: timingSafeEqual(want, Buffer.from(m[2] ?? '', 'hex')), t: Number(m[1]) };
}

function setup(names: string[], clock: { now: Date }, extra: Partial<DispatcherOptions> = {}, on: Store = store) {
  const all = [
    { name: 'hook', type: 'webhook' as const, url: `${hook.url}/hook`, secretFromEnv: 'HOOK_SECRET', topic: 'driftwatch.alerts' },
    { name: 'slack', type: 'slack' as const, url: `${slack.url}/services/T/B/X`, topic: 'driftwatch.alerts' },
    { name: 'pd', type: 'pagerduty' as const, url: `${pd.url}/v2/enqueue`, secretFromEnv: 'PD_KEY', topic: 'driftwatch.alerts' },
    { name: 'hec', type: 'splunk_hec' as const, url: `${hec.url}/services/collector/event`, secretFromEnv: 'HEC_TOKEN', topic: 'driftwatch.alerts' },
  ];
  const destinations = buildDestinations({ destinations: all.filter((d) => names.includes(d.name)) }, { env });
  const routes: Route[] = [{ match: {}, destinations: names }];
  const dispatcher = new Dispatcher(on, {
    destinations, consoleBaseUrl: 'https://dw.example.com/', baseDelayMs: 1_000, maxDelayMs: 60_000, maxAttempts: 5, timeoutMs: 300,
    clock: () => clock.now, runbookOf: () => 'Find the key owner; revoke the key or move it behind the gateway.', ...extra,
  });
  return { dispatcher, routes };
}

async function raise(alert: Alert, routes: Route[], now: Date) {
  const { created } = await persistAlerts(store, [alert], now);
  return enqueueDeliveries(store, created, routes, now);
}

/** Waits for a condition on the receivers (no wall-clock assertion: only the outcome is checked). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

const alertA = () => makeAlert({ entity: 'key:a', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z', severity: 'critical' }, T0);

beforeAll(async () => {
  ({ store } = await sharedScratchStore());
  [hook, slack, pd, hec] = await Promise.all([startReceiver(), startReceiver(), startReceiver(), startReceiver()]);
});
beforeEach(async () => {
  await truncateTables(store, TABLES);
  for (const r of [hook, slack, pd, hec]) {
    r.mode = 'ok';
    r.accepted.length = 0;
    r.all.length = 0;
  }
});
afterAll(async () => {
  await Promise.all([hook, slack, pd, hec].map((r) => r.close()));
});

describe('alert delivery to real HTTP receivers', () => {
  it('signs webhooks, shapes Slack Block Kit, PagerDuty Events v2 and Splunk HEC; sends resolve on resolution', async () => {
    const clock = { now: T0 };
    const { dispatcher, routes } = setup(['hook', 'slack', 'pd', 'hec'], clock);
    const a = alertA();
    expect((await raise(a, routes, T0)).queued).toBe(4);
    await dispatcher.runOnce();

    const [h] = hook.accepted;
    const sig = verify(String(h?.headers['x-driftwatch-signature']), h?.body ?? '');
    expect(sig).toEqual({ ok: true, t: T0.getTime() / 1000 });
    expect(verify(String(h?.headers['x-driftwatch-signature']), `${h?.body} `).ok).toBe(false);
    const hb = JSON.parse(h?.body ?? '{}');
    expect(hb).toMatchObject({ event: 'trigger', dedupKey: a.fingerprint, url: `https://dw.example.com/#/alerts/${a.id}` });
    expect(hb.alert.evidence).toEqual(a.evidence);

    const sb = JSON.parse(slack.accepted[0]?.body ?? '{}');
    expect(sb.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: expect.stringContaining(a.title) } });
    const fields = sb.blocks.find((b: { fields?: unknown }) => b.fields).fields.map((f: { text: string }) => f.text);
    expect(fields).toEqual(['*Identity*\nalice@example.com', '*Team*\nteam-platform', '*$ impact*\n$12.50', '*Severity*\ncritical']);
    const texts = JSON.stringify(sb.blocks);
    expect(texts).toContain('requests: 42');
    expect(texts).toContain('claude-sonnet-4-5');
    expect(texts).toContain('revoke the key');
    expect(texts).toContain(`https://dw.example.com/#/alerts/${a.id}`);

    const pb = JSON.parse(pd.accepted[0]?.body ?? '{}');
    expect(pb).toMatchObject({
      routing_key: 'pd-routing-key', event_action: 'trigger', dedup_key: a.fingerprint,
      payload: { severity: 'critical', source: `driftwatch/${a.detector}`, custom_details: { figures: a.evidence.figures } },
    });
    expect(pb.payload.summary).toContain(a.summary);

    expect(hec.accepted[0]?.headers['authorization']).toBe('Splunk hec-token');
    expect(JSON.parse(hec.accepted[0]?.body ?? '{}')).toMatchObject({ time: T0.getTime() / 1000, source: 'driftwatch', sourcetype: 'driftwatch:alert', event: { dedupKey: a.fingerprint } });

    clock.now = new Date(T0.getTime() + 3600_000);
    await applyAction(store, a.id, { kind: 'resolve', note: 'revoked' }, 'ana', clock.now);
    await dispatcher.runOnce();
    expect(JSON.parse(pd.accepted[1]?.body ?? '{}')).toEqual({ routing_key: 'pd-routing-key', event_action: 'resolve', dedup_key: a.fingerprint });
    expect(JSON.parse(hook.accepted[1]?.body ?? '{}')).toMatchObject({ event: 'resolve', dedupKey: a.fingerprint });
    const detail = await getAlert(store, a.id);
    expect(detail?.deliveries.every((d) => d.state === 'delivered')).toBe(true);
    expect(detail?.deliveries).toHaveLength(8);
  });

  it('survives an outage (500s, then timeouts) and delivers exactly once after recovery; others unaffected', async () => {
    const clock = { now: T0 };
    const { dispatcher, routes } = setup(['hook', 'pd'], clock);
    const a = alertA();
    await raise(a, routes, T0);
    hook.mode = 'fail';
    await dispatcher.runOnce();
    expect(pd.accepted).toHaveLength(1); // the healthy destination is not held up
    let d = (await getAlert(store, a.id))?.deliveries.find((x) => x.destination === 'hook');
    expect(d).toMatchObject({ state: 'pending', attempts: 1, lastError: expect.stringContaining('HTTP 500') });
    expect(d?.nextAttemptAt).toBe(new Date(T0.getTime() + 1_000).toISOString());

    await dispatcher.runOnce(); // not due yet: backoff respected
    expect(hook.all).toHaveLength(1);

    clock.now = new Date(T0.getTime() + 1_000);
    hook.mode = 'hang';
    await dispatcher.runOnce();
    d = (await getAlert(store, a.id))?.deliveries.find((x) => x.destination === 'hook');
    expect(d).toMatchObject({ state: 'pending', attempts: 2 });
    expect(d?.nextAttemptAt).toBe(new Date(T0.getTime() + 3_000).toISOString());

    clock.now = new Date(T0.getTime() + 3_000);
    hook.mode = 'ok';
    await dispatcher.runOnce();
    await dispatcher.runOnce();
    clock.now = new Date(T0.getTime() + 600_000);
    await dispatcher.runOnce();
    expect(hook.accepted).toHaveLength(1);
    expect(pd.accepted).toHaveLength(1);
    const attempts = await attemptsOf(store, a.fingerprint);
    expect(attempts.filter((x) => x.destination === 'hook').map((x) => x.ok)).toEqual([false, false, true]);
    expect((await getAlert(store, a.id))?.deliveries.map((x) => x.state)).toEqual(['delivered', 'delivered']);
  });

  it('a hanging destination never holds up the others while it waits', async () => {
    const clock = { now: T0 };
    const { dispatcher, routes } = setup(['hook', 'pd'], clock, { timeoutMs: 120_000 });
    hook.mode = 'hang';
    await raise(alertA(), routes, T0);
    await dispatcher.poll();
    await until(() => pd.accepted.length === 1 && hook.all.length === 1);
    const b = makeAlert({ entity: 'key:b', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, T0);
    await raise(b, routes, T0);
    await dispatcher.poll(); // hook is still busy with the first alert: skipped, pd is served
    await until(() => pd.accepted.length === 2);
    expect(hook.all).toHaveLength(1);
    hook.release();
    await dispatcher.stop();
    expect((await getAlert(store, b.id))?.deliveries.map((d) => `${d.destination}:${d.state}`)).toEqual(['hook:pending', 'pd:delivered']);
  });

  it('a dispatcher that lost its lease records nothing: its successor sends again (at least once)', async () => {
    const clock = { now: T0 };
    const deposed = setup(['hook'], clock, { fence: async () => { throw new Error('LEASE_LOST'); } });
    const a = alertA();
    await raise(a, deposed.routes, T0);
    await deposed.dispatcher.runOnce();
    expect(hook.accepted).toHaveLength(1);
    expect((await getAlert(store, a.id))?.deliveries[0]).toMatchObject({ state: 'pending', attempts: 0 });
    await setup(['hook'], clock).dispatcher.runOnce();
    expect(hook.accepted.map((r) => JSON.parse(r.body).dedupKey)).toEqual([a.fingerprint, a.fingerprint]);
    expect((await getAlert(store, a.id))?.deliveries[0]).toMatchObject({ state: 'delivered' });
  });

  it('gives up after maxAttempts and records the failure', async () => {
    const clock = { now: T0 };
    const { dispatcher, routes } = setup(['hook'], clock, { maxAttempts: 2 });
    const a = alertA();
    await raise(a, routes, T0);
    hook.mode = 'fail';
    await dispatcher.runOnce();
    clock.now = new Date(T0.getTime() + 10_000);
    await dispatcher.runOnce();
    clock.now = new Date(T0.getTime() + 100_000);
    await dispatcher.runOnce();
    expect(hook.all).toHaveLength(2);
    expect((await getAlert(store, a.id))?.deliveries[0]).toMatchObject({ state: 'failed', attempts: 2 });
  });

  it('loses nothing across a restart: a new dispatcher instance sends what the old one left queued', async () => {
    const clock = { now: T0 };
    const first = setup(['hook'], clock);
    const alerts = [1, 2, 3].map((i) => makeAlert({ entity: `key:${i}`, windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, T0));
    for (const a of alerts) await raise(a, first.routes, T0);
    hook.mode = 'fail';
    first.dispatcher.start();
    await first.dispatcher.stop();
    expect(hook.accepted).toHaveLength(0);

    hook.mode = 'ok';
    clock.now = new Date(T0.getTime() + 60_000);
    const second = setup(['hook'], clock);
    await second.dispatcher.runOnce();
    expect(hook.accepted.map((r) => JSON.parse(r.body).dedupKey).sort()).toEqual(alerts.map((a) => a.fingerprint).sort());
    await second.dispatcher.runOnce();
    expect(hook.accepted).toHaveLength(3);
  });

  it('does not send again from a poll that read the outbox before the delivery was recorded', async () => {
    const clock = { now: T0 };
    // A read that began before a worker recorded its outcome and returns after it left `inFlight` (a
    // concurrent store, or the first session behind other work): replayed here by answering the
    // dispatcher's second outbox read with its first read's rows.
    let firstRead: unknown;
    const staleOnce: Store = {
      ...store,
      client: new Proxy(store.client, {
        get(target, prop, receiver) {
          if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
          return async (params: { query: string }) => {
            const res = await target.query(params as never);
            if (!params.query.includes("state = 'pending' AND next_attempt_at <=")) return res;
            const rows = await res.json();
            const answer = firstRead ?? rows;
            firstRead ??= rows;
            return { json: async () => answer };
          };
        },
      }),
    };
    const { dispatcher, routes } = setup(['hook'], clock, {}, staleOnce);
    await raise(alertA(), routes, T0);
    await dispatcher.runOnce();
    expect(hook.accepted).toHaveLength(1);
    await dispatcher.runOnce();
    expect(hook.all).toHaveLength(1);
    expect((await getAlert(store, alertA().id))?.deliveries[0]).toMatchObject({ state: 'delivered', attempts: 1 });
  });

  it('holds notifications while an alert is snoozed', async () => {
    const clock = { now: T0 };
    const { dispatcher, routes } = setup(['hook'], clock);
    const a = alertA();
    await raise(a, routes, T0);
    const until = new Date(T0.getTime() + 3600_000);
    await applyAction(store, a.id, { kind: 'snooze', until }, 'ana', T0);
    await dispatcher.runOnce();
    expect(hook.all).toHaveLength(0);
    clock.now = until;
    await dispatcher.runOnce();
    expect(hook.accepted).toHaveLength(1);
  });
});
