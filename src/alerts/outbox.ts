import type { Alert } from '../detect/alerts.ts';
import type { Store } from '../store/store.ts';
import { firing, initialState, type TriageEvent } from './lifecycle.ts';
import { exceptionFor, exceptionReason, findAnchor, type AlertException } from './noise.ts';
import { deliveriesOf, deliveryKey, writeDeliveries, type Delivery, type DeliveryKind } from './outbox-table.ts';
import { destinationsFor, type Routable, type Route } from './routing.ts';
import { readTriage, writeTriage, type StoredTriage } from './triage-table.ts';

/**
 * The write side of the outbox. enqueueDeliveries is called right after detect persists alerts
 * (persistAlerts / persistBatchAlerts) with the alerts it stored: it applies noise control and
 * queues one delivery per (fingerprint, destination, trigger). The dispatcher sends them. It is
 * idempotent for alerts it has not finished (no triage row yet), so a crash between persisting and
 * queueing is repaired by calling it again (outbox-recovery.ts).
 */

export interface EnqueueOptions {
  /** Approved exceptions from the policy (policy.exceptions). */
  exceptions?: readonly AlertException[];
  /** Suppression window for a detector, in ms (0: never group). Default 0. */
  suppressionWindowMs?: (detector: string) => number;
}

export interface EnqueueResult {
  /** Deliveries queued, trigger rows only. */
  queued: number;
  /** New alerts grouped into an earlier alert of the same detector + entity (no notification). */
  grouped: string[];
  /** Alerts suppressed by a policy exception (no notification). */
  suppressed: string[];
  /** Resolved alerts re-opened because they fired again after their resolution. */
  reopened: string[];
}

const SYSTEM = 'driftwatch';

function pending(alert: Pick<Alert, 'id' | 'fingerprint'>, destination: string, kind: DeliveryKind, now: Date, previous?: Delivery): Delivery {
  return {
    alertId: alert.id, fingerprint: alert.fingerprint, destination, kind, state: 'pending', attempts: 0, lastError: '',
    nextAttemptAt: now, createdAt: previous?.createdAt ?? now, deliveredAt: null, rev: (previous?.rev ?? -1) + 1,
  };
}

export async function enqueueDeliveries(
  store: Store,
  alerts: readonly Alert[],
  routes: readonly Route[],
  now: Date,
  options: EnqueueOptions = {},
): Promise<EnqueueResult> {
  const result: EnqueueResult = { queued: 0, grouped: [], suppressed: [], reopened: [] };
  if (alerts.length === 0) return result;
  const windowOf = options.suppressionWindowMs ?? (() => 0);
  const triage = await readTriage(store, alerts.map((a) => a.id));
  // An alert without triage may have been half-queued by a run that died after writing its
  // deliveries (they are written before the triage row): those deliveries are not queued twice.
  const untriaged = alerts.filter((a) => !triage.has(a.id)).map((a) => a.fingerprint);
  const alreadyQueued = new Set((await deliveriesOf(store, untriaged)).map(deliveryKey));
  const rows = new Map<string, StoredTriage>();
  const events: (TriageEvent & { alertId: string })[] = [];
  const deliveries: Delivery[] = [];
  const refire: Alert[] = [];
  // Anchors created in this call: the first new alert of a detector + entity in a batch anchors the rest.
  const batchAnchors = new Map<string, StoredTriage>();
  const event = (alertId: string, action: string, from: StoredTriage['status'], to: StoredTriage['status'], comment: string) =>
    events.push({ alertId, at: now, actor: SYSTEM, action, from, to, comment });

  for (const alert of alerts) {
    const firedAt = new Date(alert.lastSeen);
    const known = rows.get(alert.id) ?? triage.get(alert.id);
    if (known) {
      // The same incident seen again (a re-run or late data): count it; re-open if resolved before.
      const next = firing(known, firedAt);
      rows.set(alert.id, { ...known, ...next.state, rev: known.rev + 1 });
      if (next.event) {
        events.push({ ...next.event, alertId: alert.id });
        result.reopened.push(alert.id);
        refire.push(alert);
      }
      continue;
    }
    const base: StoredTriage = { ...initialState(firedAt), alertId: alert.id, fingerprint: alert.fingerprint, groupedInto: '', exceptionId: '', rev: 0 };
    const exception = exceptionFor(options.exceptions ?? [], alert.detector, alert.entity, now);
    if (exception) {
      const reason = exceptionReason(exception);
      rows.set(alert.id, { ...base, status: 'suppressed', reason, actor: SYSTEM, exceptionId: exception.id });
      event(alert.id, 'suppress', 'open', 'suppressed', reason);
      result.suppressed.push(alert.id);
      continue;
    }
    const groupKey = `${alert.detector}\n${alert.entity}`;
    const windowMs = windowOf(alert.detector);
    const inBatch = windowMs > 0 ? batchAnchors.get(groupKey) : undefined;
    const anchorId = inBatch?.alertId ?? (await findAnchor(store, alert.detector, alert.entity, alert.id, firedAt, windowMs))?.id;
    if (anchorId) {
      const anchorState = rows.get(anchorId) ?? (await readTriage(store, [anchorId])).get(anchorId);
      if (anchorState) {
        const next = firing(anchorState, firedAt);
        const updated = { ...anchorState, ...next.state, rev: anchorState.rev + 1 };
        rows.set(anchorId, updated);
        if (inBatch) batchAnchors.set(groupKey, updated);
        if (next.event) {
          events.push({ ...next.event, alertId: anchorId });
          result.reopened.push(anchorId);
          refire.push({ ...alert, id: anchorId, fingerprint: anchorState.fingerprint });
        }
        const reason = `grouped into ${anchorId}`;
        rows.set(alert.id, { ...base, status: 'suppressed', reason, actor: SYSTEM, groupedInto: anchorId });
        event(alert.id, 'group', 'open', 'suppressed', reason);
        result.grouped.push(alert.id);
        continue;
      }
    }
    rows.set(alert.id, base);
    batchAnchors.set(groupKey, base);
    for (const destination of destinationsFor(alert, routes)) {
      if (!alreadyQueued.has(deliveryKey({ fingerprint: alert.fingerprint, destination, kind: 'trigger' }))) deliveries.push(pending(alert, destination, 'trigger', now));
    }
  }
  // Re-opened alerts notify again on the destinations that had them (same dedupe key downstream).
  const previous = await deliveriesOf(store, refire.map((a) => a.fingerprint));
  for (const d of previous) {
    if (d.kind === 'trigger') deliveries.push(pending({ id: d.alertId, fingerprint: d.fingerprint }, d.destination, 'trigger', now, d));
  }
  // Deliveries first, the triage row last: an alert's triage row is the mark that it was queued,
  // so a crash in between leaves an alert without one, which the recovery sweep (outbox-recovery.ts)
  // finds and queues again; the line above keeps that from doubling what was written.
  await writeDeliveries(store, deliveries, now);
  await writeTriage(store, [...rows.values()], events, now);
  result.queued = deliveries.length;
  return result;
}

/**
 * Outbox side effects of an analyst's action. resolve/invalid: a resolve event to every destination
 * that has the trigger, or, if the trigger was never sent, the trigger is cancelled instead (nobody
 * needs to hear about an incident that is already closed). reopen: the triggers are sent again; an
 * alert that never had any (suppressed by an exception or grouped into another) is routed now, by
 * `routes`, as a new alert would be: an analyst who reopens it wants it handled.
 */
export async function requeueForAction(
  store: Store, alert: Pick<Alert, 'id' | 'fingerprint'> & Routable, kind: DeliveryKind, now: Date, routes: readonly Route[] = [],
): Promise<void> {
  const existing = await deliveriesOf(store, [alert.fingerprint]);
  const byKey = new Map(existing.map((d) => [deliveryKey(d), d]));
  const out: Delivery[] = [];
  if (kind === 'trigger' && !existing.some((d) => d.kind === 'trigger')) {
    for (const destination of destinationsFor(alert, routes)) out.push(pending(alert, destination, 'trigger', now));
  }
  for (const trigger of existing.filter((d) => d.kind === 'trigger')) {
    if (kind === 'trigger') {
      out.push(pending(alert, trigger.destination, 'trigger', now, trigger));
      continue;
    }
    if (trigger.state === 'pending') {
      out.push({ ...trigger, state: 'failed', lastError: 'cancelled: the alert was closed before delivery', rev: trigger.rev + 1 });
      continue;
    }
    const prior = byKey.get(deliveryKey({ ...trigger, kind: 'resolve' }));
    out.push(pending(alert, trigger.destination, 'resolve', now, prior));
  }
  await writeDeliveries(store, out, now);
}
