import type { Store } from '../store/store.ts';
import { clickHouseTime, fromClickHouseTime } from '../detect/windows.ts';
import { selectRows } from '../store/select-rows.ts';

/**
 * The outbox tables (0014_alert_triage.sql): alert_deliveries holds one logical row per
 * (fingerprint, destination, kind); alert_delivery_attempts every try. Each state change is a new
 * row with rev + 1 (ReplacingMergeTree(rev)).
 */

export const DELIVERY_KINDS = ['trigger', 'resolve'] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];
export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  alertId: string;
  fingerprint: string;
  destination: string;
  kind: DeliveryKind;
  state: DeliveryState;
  attempts: number;
  lastError: string;
  nextAttemptAt: Date;
  createdAt: Date;
  deliveredAt: Date | null;
  rev: number;
}

export interface Attempt {
  fingerprint: string;
  destination: string;
  kind: DeliveryKind;
  attempt: number;
  at: Date;
  ok: boolean;
  error: string;
}

interface DeliveryRow {
  alert_id: string;
  fingerprint: string;
  destination: string;
  kind: string;
  state: string;
  attempts: number;
  last_error: string;
  next_attempt_at: string;
  created_at: string;
  delivered_at: string | null;
  rev: number | string;
}

function fromRow(r: DeliveryRow): Delivery {
  return {
    alertId: r.alert_id, fingerprint: r.fingerprint, destination: r.destination, kind: r.kind as DeliveryKind,
    state: r.state as DeliveryState, attempts: Number(r.attempts), lastError: r.last_error,
    nextAttemptAt: fromClickHouseTime(r.next_attempt_at), createdAt: fromClickHouseTime(r.created_at),
    deliveredAt: r.delivered_at === null ? null : fromClickHouseTime(r.delivered_at), rev: Number(r.rev),
  };
}

export const deliveryKey = (d: { fingerprint: string; destination: string; kind: string }) => `${d.fingerprint}|${d.destination}|${d.kind}`;

export async function writeDeliveries(store: Store, deliveries: readonly Delivery[], now: Date): Promise<void> {
  if (deliveries.length === 0) return;
  await store.client.insert({
    table: 'alert_deliveries',
    values: deliveries.map((d) => ({
      alert_id: d.alertId, fingerprint: d.fingerprint, destination: d.destination, kind: d.kind, state: d.state,
      attempts: d.attempts, last_error: d.lastError, next_attempt_at: clickHouseTime(d.nextAttemptAt),
      created_at: clickHouseTime(d.createdAt), delivered_at: d.deliveredAt ? clickHouseTime(d.deliveredAt) : null,
      rev: d.rev, updated_at: clickHouseTime(now),
    })),
    format: 'JSONEachRow',
    // Explicit: chdb keeps the last insert's token on its session (store.ts).
    clickhouse_settings: { insert_deduplication_token: '' },
  });
}

export async function writeAttempts(store: Store, attempts: readonly Attempt[]): Promise<void> {
  if (attempts.length === 0) return;
  await store.client.insert({
    table: 'alert_delivery_attempts',
    values: attempts.map((a) => ({ fingerprint: a.fingerprint, destination: a.destination, kind: a.kind, attempt: a.attempt, at: clickHouseTime(a.at), ok: a.ok, error: a.error })),
    format: 'JSONEachRow',
    clickhouse_settings: { insert_deduplication_token: '' },
  });
}

export async function deliveriesOf(store: Store, fingerprints: readonly string[]): Promise<Delivery[]> {
  if (fingerprints.length === 0) return [];
  const rows = await selectRows<DeliveryRow>(
    store,
    'SELECT * FROM alert_deliveries FINAL WHERE fingerprint IN {fps:Array(String)} ORDER BY created_at, destination, kind',
    { fps: [...fingerprints] },
  );
  return rows.map(fromRow);
}

/** Pending deliveries due at `now`, oldest first. */
export async function dueDeliveries(store: Store, now: Date, limit: number): Promise<Delivery[]> {
  const rows = await selectRows<DeliveryRow>(
    store,
    `SELECT * FROM alert_deliveries FINAL
     WHERE state = 'pending' AND next_attempt_at <= {now:DateTime64(3, 'UTC')}
     ORDER BY next_attempt_at, created_at LIMIT {limit:UInt32}`,
    { now: clickHouseTime(now), limit },
  );
  return rows.map(fromRow);
}

/** What is queued and not yet delivered, per destination: how many, and since when the oldest. */
export async function pendingByDestination(store: Store): Promise<{ destination: string; pending: number; oldest: Date }[]> {
  const rows = await selectRows<{ destination: string; pending: number; oldest: string }>(
    store,
    "SELECT destination, count() AS pending, min(created_at) AS oldest FROM alert_deliveries FINAL WHERE state = 'pending' GROUP BY destination",
  );
  return rows.map((r) => ({ destination: r.destination, pending: Number(r.pending), oldest: fromClickHouseTime(r.oldest) }));
}

export async function attemptsOf(store: Store, fingerprint: string): Promise<Attempt[]> {
  const rows = await selectRows<{ fingerprint: string; destination: string; kind: string; attempt: number; at: string; ok: boolean | number; error: string }>(
    store,
    'SELECT * FROM alert_delivery_attempts WHERE fingerprint = {fp:String} ORDER BY destination, kind, attempt',
    { fp: fingerprint },
  );
  return rows.map((r) => ({ fingerprint: r.fingerprint, destination: r.destination, kind: r.kind as DeliveryKind, attempt: Number(r.attempt), at: fromClickHouseTime(r.at), ok: Boolean(r.ok), error: r.error }));
}
