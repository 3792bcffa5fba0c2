import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { persistAlerts, type Alert } from '../../src/detect/alerts.ts';
import { sharedScratchStore, truncateTables } from '../../src/detect/scratch-store.ts';
import type { Store } from '../../src/store/store.ts';
import { AppError } from '../../src/errors.ts';
import { applyAction, getAlert, listAlerts } from '../../src/alerts/repository.ts';
import { enqueueDeliveries } from '../../src/alerts/outbox.ts';
import { outboxRecovery, unqueuedAlerts } from '../../src/alerts/outbox-recovery.ts';
import { writeDeliveries } from '../../src/alerts/outbox-table.ts';
import type { Logger } from '../../src/telemetry/logger.ts';
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
    const page2 = await listAlerts(store, {}, { limit: 1, offset: 1, sort: 'first_seen', order: 'asc' });
    expect(page2.items.map((i) => i.id)).toEqual([b.id]);
    expect(page2.total).toBe(3);
  });

  it('filters by time as "the incident window overlaps [from, to)", not by when it was seen', async () => {
    const day = (d: number, h = 0) => new Date(Date.UTC(2026, 9, d, h)).toISOString();
    const older = makeAlert({ entity: 'key:old', windowStart: day(18), windowEnd: day(19) }, T0);
    const hour = makeAlert({ entity: 'key:hour', windowStart: day(20, 9), windowEnd: day(20, 10) }, T0);
    const daily = makeAlert({ entity: 'team:x', windowStart: day(20), windowEnd: day(21) }, T0);
    await fire([older, hour, daily], T0);
    // A late re-run sees the old incident again today: its last sighting moves, its window does not.
    await fire([older], at(30));
    const ids = async (filter: Parameters<typeof listAlerts>[1]) =>
      (await listAlerts(store, filter, { limit: 10, offset: 0, sort: 'first_seen', order: 'asc' })).items.map((i) => i.entity).sort();
    expect(await ids({ from: new Date(day(20)) })).toEqual(['key:hour', 'team:x']);
    expect(await ids({ to: new Date(day(20)) })).toEqual(['key:old']);
    expect(await ids({ from: new Date(day(18, 12)), to: new Date(day(18, 13)) })).toEqual(['key:old']);
    // Half-open: a window ending at `from` or starting at `to` does not overlap.
    expect(await ids({ from: new Date(day(20, 10)), to: new Date(day(20, 11)) })).toEqual(['team:x']);
    expect(await ids({ from: new Date(day(19)), to: new Date(day(20)) })).toEqual([]);
    expect(await ids({ from: new Date(day(19, 23)), to: new Date(day(20, 9)) })).toEqual(['team:x']);
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

  it('reopening a suppressed or grouped alert routes it like a new alert and notifies', async () => {
    const exceptions = [{ id: 'exc-1', detector: '*', entity: 'key:lab-*', reason: 'approved lab key', owner: 'ciso@example.com', expires: '2026-12-31T00:00:00Z' }];
    const routed: Route[] = [{ match: { severity: ['high'] }, destinations: ['hook'] }, { match: { team: ['team-platform'] }, destinations: ['slack'] }, { match: { team: ['team-data'] }, destinations: ['pd'] }];
    const lab = makeAlert({ entity: 'key:lab-1', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, T0);
    const first = makeAlert({ entity: 'key:b', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, T0);
    const dup = makeAlert({ entity: 'key:b', windowStart: '2026-10-21T00:00:00Z', windowEnd: '2026-10-22T00:00:00Z' }, at(2));
    await fire([lab, first], T0, { exceptions, suppressionWindowMs: () => 24 * HOUR });
    expect(await fire([dup], at(2), { exceptions, suppressionWindowMs: () => 24 * HOUR })).toMatchObject({ grouped: [dup.id], queued: 0 });
    expect((await getAlert(store, lab.id))?.deliveries).toEqual([]);

    const reopened = await applyAction(store, lab.id, { kind: 'reopen' }, 'ana', at(3), routed);
    expect(reopened.status).toBe('open');
    expect(reopened.deliveries.map((d) => `${d.destination}/${d.kind}/${d.state}`).sort()).toEqual(['hook/trigger/pending', 'slack/trigger/pending']);
    const split = await applyAction(store, dup.id, { kind: 'reopen' }, 'ana', at(3), routed);
    expect(split.deliveries.map((d) => `${d.destination}/${d.kind}/${d.state}`).sort()).toEqual(['hook/trigger/pending', 'slack/trigger/pending']);
    // Routed once: resolving and reopening again re-sends the same triggers, no new destinations.
    await applyAction(store, lab.id, { kind: 'resolve' }, 'ana', at(4), routed);
    const again = await applyAction(store, lab.id, { kind: 'reopen' }, 'ana', at(5), routed);
    expect(again.deliveries.filter((d) => d.kind === 'trigger').map((d) => `${d.destination}/${d.state}`).sort()).toEqual(['hook/pending', 'slack/pending']);
  });

  it('the recovery sweep finishes an alert stored but never queued, without doubling a half-written outbox', async () => {
    const routed: Route[] = [{ match: {}, destinations: ['hook', 'slack'] }];
    const lost = makeAlert({ entity: 'key:lost', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, T0);
    const half = makeAlert({ entity: 'key:half', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, T0);
    const done = makeAlert({ entity: 'key:done', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, T0);
    await persistAlerts(store, [lost, half, done], T0);
    await enqueueDeliveries(store, [done], routed, T0);
    // `half`: its run died after writing one delivery (the dispatcher has since sent it) and before its triage row.
    await writeDeliveries(store, [{
      alertId: half.id, fingerprint: half.fingerprint, destination: 'hook', kind: 'trigger', state: 'delivered', attempts: 1, lastError: '',
      nextAttemptAt: T0, createdAt: T0, deliveredAt: T0, rev: 1,
    }], T0);
    expect((await unqueuedAlerts(store)).map((a) => a.entity).sort()).toEqual(['key:half', 'key:lost']);

    const log = { warn: vi.fn(), error: vi.fn() };
    const sweep = outboxRecovery({ store, routes: routed, enqueueOptions: () => ({}), log: log as unknown as Logger, clock: () => at(1) });
    expect(sweep.due()).toBe(true);
    await sweep.run();
    expect(sweep.due()).toBe(false);
    expect(log.error).not.toHaveBeenCalled();
    expect(log.warn.mock.calls[0]?.[0]).toMatchObject({ queued: 3 });
    const states = async (a: Alert) => (await getAlert(store, a.id))?.deliveries.map((d) => `${d.destination}/${d.state}/${d.attempts}`).sort();
    expect(await states(lost)).toEqual(['hook/pending/0', 'slack/pending/0']);
    expect(await states(half)).toEqual(['hook/delivered/1', 'slack/pending/0']);
    expect(await states(done)).toEqual(['hook/pending/0', 'slack/pending/0']);
    expect(await unqueuedAlerts(store)).toEqual([]);
    // A second sweep (throttle passed) finds nothing to do.
    await outboxRecovery({ store, routes: routed, enqueueOptions: () => ({}), log: log as unknown as Logger, clock: () => at(2) }).run();
    expect(log.warn).toHaveBeenCalledTimes(1);
    // Outside the horizon (stored over a day ago by the store's clock) nothing is picked up.
    await truncateTables(store, ['alert_triage']);
    await store.client.command({
      query: `INSERT INTO alerts SELECT * REPLACE (now() - INTERVAL 2 DAY AS recorded_at, updated_at + INTERVAL 1 SECOND AS updated_at)
              FROM alerts FINAL WHERE id = {id:String}`,
      query_params: { id: lost.id },
      clickhouse_settings: { insert_deduplication_token: '' },
    });
    expect((await unqueuedAlerts(store)).map((a) => a.entity).sort()).toEqual(['key:done', 'key:half']);
  });
});

afterAll(async () => {
  await truncateTables(store, TABLES);
});
