import type { Store } from '../store/store.ts';
import { selectRows } from '../store/select-rows.ts';
import { clickHouseTime, fromClickHouseTime } from '../detect/windows.ts';
import type { TriageEvent, TriageState } from './lifecycle.ts';
import type { TriageStatus } from './schemas.ts';

/** Rows of alert_triage and alert_events (0014_alert_triage.sql) ↔ TriageState / TriageEvent. */

export interface StoredTriage extends TriageState {
  alertId: string;
  fingerprint: string;
  groupedInto: string;
  exceptionId: string;
  rev: number;
}

interface TriageRow {
  alert_id: string;
  fingerprint: string;
  status: string;
  reason: string;
  actor: string;
  assignee: string;
  snoozed_until: string | null;
  resolved_at: string | null;
  occurrences: number;
  last_fired: string;
  grouped_into: string;
  exception_id: string;
  rev: number | string;
  updated_at: string;
}

const nullableTime = (v: string | null) => (v === null ? null : fromClickHouseTime(v));

function fromRow(r: TriageRow): StoredTriage {
  return {
    alertId: r.alert_id, fingerprint: r.fingerprint, status: r.status as TriageStatus, reason: r.reason, actor: r.actor,
    assignee: r.assignee, snoozedUntil: nullableTime(r.snoozed_until), resolvedAt: nullableTime(r.resolved_at),
    occurrences: Number(r.occurrences), lastFired: fromClickHouseTime(r.last_fired), groupedInto: r.grouped_into,
    exceptionId: r.exception_id, rev: Number(r.rev),
  };
}

export function triageRow(t: StoredTriage, now: Date): TriageRow {
  return {
    alert_id: t.alertId, fingerprint: t.fingerprint, status: t.status, reason: t.reason, actor: t.actor, assignee: t.assignee,
    snoozed_until: t.snoozedUntil ? clickHouseTime(t.snoozedUntil) : null,
    resolved_at: t.resolvedAt ? clickHouseTime(t.resolvedAt) : null,
    occurrences: t.occurrences, last_fired: clickHouseTime(t.lastFired), grouped_into: t.groupedInto,
    exception_id: t.exceptionId, rev: t.rev, updated_at: clickHouseTime(now),
  };
}

export async function readTriage(store: Store, alertIds: readonly string[]): Promise<Map<string, StoredTriage>> {
  if (alertIds.length === 0) return new Map();
  const rows = await selectRows<TriageRow>(store, 'SELECT * FROM alert_triage FINAL WHERE alert_id IN {ids:Array(String)}', { ids: [...alertIds] });
  return new Map(rows.map((r) => [r.alert_id, fromRow(r)]));
}

export async function writeTriage(store: Store, rows: readonly StoredTriage[], events: readonly (TriageEvent & { alertId: string })[], now: Date): Promise<void> {
  if (rows.length > 0) {
    await store.client.insert({
      table: 'alert_triage', values: rows.map((t) => triageRow(t, now)), format: 'JSONEachRow',
      // Explicit: chdb keeps the last insert's token on its session (store.ts).
      clickhouse_settings: { insert_deduplication_token: '' },
    });
  }
  if (events.length > 0) {
    await store.client.insert({
      table: 'alert_events',
      values: events.map((e, i) => ({
        alert_id: e.alertId, at: clickHouseTime(e.at), seq: (process.hrtime.bigint() + BigInt(i)).toString(),
        actor: e.actor, action: e.action, from_status: e.from, to_status: e.to, comment: e.comment,
      })),
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: '' },
    });
  }
}

export interface HistoryEntry extends TriageEvent {}

export async function readHistory(store: Store, alertId: string): Promise<HistoryEntry[]> {
  const rows = await selectRows<{ at: string; actor: string; action: string; from_status: string; to_status: string; comment: string }>(
    store,
    'SELECT at, actor, action, from_status, to_status, comment FROM alert_events WHERE alert_id = {id:String} ORDER BY at, seq',
    { id: alertId },
  );
  return rows.map((r) => ({ at: fromClickHouseTime(r.at), actor: r.actor, action: r.action, from: r.from_status as TriageStatus, to: r.to_status as TriageStatus, comment: r.comment }));
}
