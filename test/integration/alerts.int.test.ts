import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { persistAlerts, type Alert } from '../../src/detect/alerts.ts';
import { sharedScratchStore, truncateTables } from '../../src/detect/scratch-store.ts';
import type { Store } from '../../src/store/store.ts';
import { AppError } from '../../src/errors.ts';
import { applyAction, getAlert, listAlerts } from '../../src/alerts/repository.ts';
import { enqueueDeliveries } from '../../src/alerts/outbox.ts';
import type { Route } from '../../src/alerts/routing.ts';
import { makeAlert } from '../helpers/alerts.ts';

const TABLES = ['alerts', 'alert_triage', 'alert_events', 'alert_deliveries', 'alert_delivery_attempts'];
const T0 = new Date('2026-10-20T10:00:00Z');
const HOUR = 3600_000;
const at = (h: number) => new Date(T0.getTime() + h * HOUR);
const routes: Route[] = [{ match: {}, destinations: ['hook'] }];

let store: Store;

async function fire(alerts: Alert[], now: Date, opts: Parameters<typeof enqueueDeliveries>[4] = {}) {
  const { created, seenAgain } = await persistAlerts(store, alerts, now);
  return enqueueDeliveries(store, [...created, ...seenAgain], routes, now, opts);
}

beforeAll(async () => {
  ({ store } = await sharedScratchStore());
});
beforeEach(async () => {
  await truncateTables(store, TABLES);
});

describe('alert repository on ClickHouse', () => {
  it('lists with filters, sort, paging and counts per status', async () => {
    const a = makeAlert({ entity: 'key:a', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z', severity: 'critical' }, T0);
    const b = makeAlert({ entity: 'key:b', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z', severity: 'low', team: 'team-data' }, at(1));
    const c = makeAlert({ entity: 'team:x', detector: 'billing.spend-over-approved', audience: 'finops', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, at(2));
    await fire([a], T0);
    await fire([b], at(1));
    await fire([c], at(2));
    await applyAction(store, b.id, { kind: 'ack' }, 'ana', at(3));

    const all = await listAlerts(store, {}, { limit: 10, offset: 0 });
    expect(all.total).toBe(3);
    expect(all.items.map((i) => i.id)).toEqual([c.id, b.id, a.id]); // last_seen desc by default
    expect(all.countsByStatus).toEqual({ open: 2, acknowledged: 1 });

    const open = await listAlerts(store, { status: ['open'] }, { limit: 10, offset: 0, sort: 'severity', order: 'desc' });
    expect(open.items.map((i) => i.id)).toEqual([a.id, c.id]);
    expect(open.total).toBe(2);
    expect(open.countsByStatus).toEqual({ open: 2, acknowledged: 1 });

    expect((await listAlerts(store, { audience: ['finops'] }, { limit: 10, offset: 0 })).items.map((i) => i.id)).toEqual([c.id]);
    expect((await listAlerts(store, { team: ['team-data'] }, { limit: 10, offset: 0 })).items.map((i) => i.id)).toEqual([b.id]);
    expect((await listAlerts(store, { detector: ['billing.spend-over-approved'] }, { limit: 10, offset: 0 })).total).toBe(1);
    expect((await listAlerts(store, { from: at(1) }, { limit: 10, offset: 0 })).total).toBe(2);
    expect((await listAlerts(store, { to: at(1) }, { limit: 10, offset: 0 })).items.map((i) => i.id)).toEqual([a.id]);
    const page2 = await listAlerts(store, {}, { limit: 1, offset: 1, sort: 'first_seen', order: 'asc' });
    expect(page2.items.map((i) => i.id)).toEqual([b.id]);
    expect(page2.total).toBe(3);
  });

  it('applies actions with history, comments and a resolve delivery; refuses bad ones', async () => {
    const a = makeAlert({ entity: 'key:a', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, T0);
    await fire([a], T0);
    await applyAction(store, a.id, { kind: 'assign', assignee: 'bo' }, 'ana', at(1));
    await applyAction(store, a.id, { kind: 'ack' }, 'bo', at(1));
    await applyAction(store, a.id, { kind: 'comment', text: 'checking the key owner' }, 'bo', at(1));
    const done = await applyAction(store, a.id, { kind: 'resolve', note: 'key revoked' }, 'bo', at(2));
    expect(done).toMatchObject({ status: 'resolved', assignee: 'bo', reason: 'key revoked', resolvedAt: at(2).toISOString() });
    expect(done.history.map((h) => `${h.action}:${h.from}->${h.to}`)).toEqual(['assign:open->open', 'ack:open->acknowledged', 'comment:acknowledged->acknowledged', 'resolve:acknowledged->resolved']);
    expect(done.comments).toEqual([{ at: at(1).toISOString(), actor: 'bo', text: 'checking the key owner' }]);
    expect(done.evidence.figures['requests']).toBe(42);
    expect(done.controls.nistCsf).toEqual(['PR.AA-01']);
    // The trigger was never sent: it is cancelled rather than followed by a resolve.
    expect(done.deliveries.map((d) => `${d.destination}/${d.kind}/${d.state}`)).toEqual(['hook/trigger/failed']);

    await expect(applyAction(store, a.id, { kind: 'ack' }, 'bo', at(3))).rejects.toMatchObject({ code: 'ALERT_BAD_TRANSITION' });
    await expect(applyAction(store, 'dw-nope', { kind: 'ack' }, 'bo', at(3))).rejects.toBeInstanceOf(AppError);
    await expect(applyAction(store, 'dw-nope', { kind: 'ack' }, 'bo', at(3))).rejects.toMatchObject({ code: 'ALERT_NOT_FOUND' });
    expect(await getAlert(store, 'dw-nope')).toBeUndefined();
  });

  it('groups repeated firings; re-opens a resolved alert only when it fires after the resolution', async () => {
    const day1 = makeAlert({ entity: 'key:a', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, T0);
    const r1 = await fire([day1], T0, { suppressionWindowMs: () => 24 * HOUR });
    expect(r1.queued).toBe(1);
    const day2 = makeAlert({ entity: 'key:a', windowStart: '2026-10-21T00:00:00Z', windowEnd: '2026-10-22T00:00:00Z' }, at(5));
    const r2 = await fire([day2], at(5), { suppressionWindowMs: () => 24 * HOUR });
    expect(r2).toMatchObject({ queued: 0, grouped: [day2.id] });
    const anchor = await getAlert(store, day1.id);
    expect(anchor).toMatchObject({ occurrences: 2, lastSeen: at(5).toISOString(), status: 'open' });
    expect(await getAlert(store, day2.id)).toMatchObject({ status: 'suppressed', groupedInto: day1.id });

    await applyAction(store, day1.id, { kind: 'resolve' }, 'ana', at(6));
    // The same incident seen again by a late re-run BEFORE the resolution time: stays resolved.
    await enqueueDeliveries(store, [{ ...day1, lastSeen: at(5.5).toISOString() }], routes, at(7));
    expect((await getAlert(store, day1.id))?.status).toBe('resolved');
    // Fires again after the resolution: re-opened and notified again.
    const r3 = await fire([day1], at(8), { suppressionWindowMs: () => 24 * HOUR });
    expect(r3.reopened).toEqual([day1.id]);
    const reopened = await getAlert(store, day1.id);
    expect(reopened?.status).toBe('open');
    expect(reopened?.history.at(-1)).toMatchObject({ action: 'refire', from: 'resolved', to: 'open' });
    expect(reopened?.deliveries.find((d) => d.kind === 'trigger')).toMatchObject({ state: 'pending', attempts: 0 });

    // Outside the window a firing is a new alert with its own notification.
    const later = makeAlert({ entity: 'key:a', windowStart: '2026-10-25T00:00:00Z', windowEnd: '2026-10-26T00:00:00Z' }, at(100));
    expect((await fire([later], at(100), { suppressionWindowMs: () => 24 * HOUR })).queued).toBe(1);
  });

  it('an approved exception suppresses matching alerts until it expires, and is cited', async () => {
    const exceptions = [{ id: 'exc-1', detector: 'cross-source.*', entity: 'key:lab-*', reason: 'research lab key, approved', owner: 'ciso@example.com', expires: '2026-10-21T00:00:00Z' }];
    const inside = makeAlert({ entity: 'key:lab-1', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, T0);
    const other = makeAlert({ entity: 'key:prod', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, T0);
    const r = await fire([inside, other], T0, { exceptions });
    expect(r).toMatchObject({ suppressed: [inside.id], queued: 1 });
    const s = await getAlert(store, inside.id);
    expect(s).toMatchObject({ status: 'suppressed', exceptionId: 'exc-1', deliveries: [] });
    expect(s?.reason).toContain('research lab key, approved');
    expect(s?.reason).toContain('ciso@example.com');
    // After expiry the same kind of alert is raised and delivered.
    const after = makeAlert({ entity: 'key:lab-1', windowStart: '2026-10-21T00:00:00Z', windowEnd: '2026-10-22T00:00:00Z' }, at(30));
    const r2 = await fire([after], at(30), { exceptions });
    expect(r2).toMatchObject({ suppressed: [], queued: 1 });
    expect((await getAlert(store, after.id))?.status).toBe('open');
  });
});

afterAll(async () => {
  await truncateTables(store, TABLES);
});
