import { AppError } from '../errors.ts';
import { selectRows } from '../store/select-rows.ts';
import type { Store } from '../store/store.ts';
import type { Alert } from '../detect/alerts.ts';
import { fromRow as alertFromRow } from '../detect/alerts.ts';
import { clickHouseTime, fromClickHouseTime } from '../detect/windows.ts';
import { initialState, transition } from './lifecycle.ts';
import type { AlertFilter, AlertPage, TriageAction, TriageStatus } from './schemas.ts';
import type { AlertDetail, AlertList, AlertRecord } from './alert-record.ts';
import { readHistory, readTriage, writeTriage, type StoredTriage } from './triage-table.ts';
import { deliveriesOf } from './outbox-table.ts';
import { requeueForAction } from './outbox.ts';
import type { Route } from './routing.ts';

/**
 * Alerts as analysts see them: the detector's row (alerts) joined with its triage state
 * (alert_triage). These functions are what the HTTP API (through its port) and the CLI call.
 */

export type { AlertFilter, AlertPage, TriageAction } from './schemas.ts';
export type { AlertComment, AlertDetail, AlertList, AlertRecord } from './alert-record.ts';

// Triage columns with the values an alert has before anyone touched it (LEFT JOIN defaults). The
// filters go inside each side of the join, so only the alerts asked for are merged (FINAL) and
// joined, not every alert before the WHERE.
const joined = (alertsWhere: string, triageWhere = '') => `
  SELECT a.*,
         if(t.alert_id = '', a.status, t.status) AS eff_status,
         t.reason AS t_reason, t.assignee AS t_assignee, t.snoozed_until AS t_snoozed_until,
         t.resolved_at AS t_resolved_at, if(t.alert_id = '', 1, t.occurrences) AS eff_occurrences,
         greatest(a.last_seen, if(t.alert_id = '', a.last_seen, t.last_fired)) AS eff_last_seen,
         t.grouped_into AS t_grouped_into, t.exception_id AS t_exception_id
  FROM (SELECT * FROM alerts FINAL ${alertsWhere}) AS a
  LEFT JOIN (SELECT * FROM alert_triage FINAL ${triageWhere}) AS t ON t.alert_id = a.id
  SETTINGS join_use_nulls = 0`;

const SORT_SQL = {
  last_seen: 'eff_last_seen',
  first_seen: 'first_seen',
  severity: "indexOf(['info', 'low', 'medium', 'high', 'critical'], severity)",
} as const;

/** The filter on the alerts' own columns. WHERE fragments are fixed text; values travel as typed parameters only. */
function whereOf(filter: AlertFilter): { sql: string; params: Record<string, unknown> } {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  const inList = (column: string, name: string, values: string[] | undefined) => {
    if (values && values.length > 0) {
      parts.push(`${column} IN {${name}:Array(String)}`);
      params[name] = values;
    }
  };
  inList('detector', 'detector', filter.detector);
  inList('severity', 'severity', filter.severity);
  inList('audience', 'audience', filter.audience);
  inList('team', 'team', filter.team);
  // Time is the incident's: its window overlaps [from, to). An analyst asking "what happened last
  // week" means the incidents of last week, not when a late re-run last saw one.
  if (filter.from) {
    parts.push("window_end > {from:DateTime64(3, 'UTC')}");
    params['from'] = clickHouseTime(filter.from);
  }
  if (filter.to) {
    parts.push("window_start < {to:DateTime64(3, 'UTC')}");
    params['to'] = clickHouseTime(filter.to);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

type JoinedRow = Parameters<typeof alertFromRow>[0] & {
  eff_status: string; t_reason: string; t_assignee: string; t_snoozed_until: string | null; t_resolved_at: string | null;
  eff_occurrences: number; eff_last_seen: string; t_grouped_into: string; t_exception_id: string;
};

const iso = (v: string | null) => (v === null ? null : fromClickHouseTime(v).toISOString());

function recordOf(r: JoinedRow): { record: AlertRecord; alert: Alert } {
  const alert = alertFromRow(r);
  const { evidence: _e, controls: _c, ...rest } = alert;
  return {
    alert,
    record: {
      ...rest,
      lastSeen: iso(r.eff_last_seen) ?? alert.lastSeen,
      status: r.eff_status as TriageStatus,
      reason: r.t_reason, assignee: r.t_assignee,
      // LEFT JOIN fills a missing Nullable with NULL, a missing time with the epoch: both mean unset.
      snoozedUntil: r.t_snoozed_until && !r.t_snoozed_until.startsWith('1970') ? iso(r.t_snoozed_until) : null,
      resolvedAt: r.t_resolved_at && !r.t_resolved_at.startsWith('1970') ? iso(r.t_resolved_at) : null,
      occurrences: Number(r.eff_occurrences), groupedInto: r.t_grouped_into, exceptionId: r.t_exception_id,
    },
  };
}

export async function listAlerts(
  store: Store,
  filter: AlertFilter,
  page: AlertPage,
): Promise<AlertList> {
  const where = whereOf(filter);
  // The status is the triage's (after the join); everything else filters the alerts before it.
  const byStatus = filter.status && filter.status.length > 0 ? 'WHERE eff_status IN {status:Array(String)}' : '';
  const sort = SORT_SQL[page.sort ?? 'last_seen'];
  const order = page.order === 'asc' ? 'ASC' : 'DESC';
  const [items, countsByStatus] = await Promise.all([
    selectRows<JoinedRow>(
      store,
      `SELECT * FROM (${joined(where.sql)}) ${byStatus} ORDER BY ${sort} ${order}, fingerprint LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      { ...where.params, status: filter.status ?? [], limit: page.limit, offset: page.offset },
    ),
    // Counts per status ignore the status filter, so a console can show every tab's count at once.
    countAlerts(store, filter),
  ]);
  const wanted = filter.status && filter.status.length > 0 ? filter.status : Object.keys(countsByStatus);
  const total = wanted.reduce((sum, s) => sum + (countsByStatus[s] ?? 0), 0);
  return { items: items.map((r) => recordOf(r).record), total, countsByStatus };
}

/** Alerts per status under the filter (its status list ignored): the counts of a queue's tabs, without a page. */
export async function countAlerts(store: Store, filter: AlertFilter): Promise<Record<string, number>> {
  const where = whereOf(filter);
  const counts = await selectRows<{ status: string; n: number }>(store, `SELECT eff_status AS status, count() AS n FROM (${joined(where.sql)}) GROUP BY status`, where.params);
  return Object.fromEntries(counts.map((c) => [c.status, Number(c.n)]));
}

async function joinedById(store: Store, id: string): Promise<{ record: AlertRecord; alert: Alert } | undefined> {
  const [row] = await selectRows<JoinedRow>(store, `SELECT * FROM (${joined('WHERE id = {id:String}', 'WHERE alert_id = {id:String}')}) LIMIT 1`, { id });
  return row ? recordOf(row) : undefined;
}

export async function getAlert(store: Store, id: string): Promise<AlertDetail | undefined> {
  const found = await joinedById(store, id);
  if (!found) return undefined;
  const [history, deliveries] = await Promise.all([readHistory(store, id), deliveriesOf(store, [found.alert.fingerprint])]);
  return {
    ...found.record,
    evidence: found.alert.evidence,
    controls: found.alert.controls,
    history: history.map((h) => ({ ...h, at: h.at.toISOString() })),
    comments: history.filter((h) => h.action === 'comment').map((h) => ({ at: h.at.toISOString(), actor: h.actor, text: h.comment })),
    deliveries: deliveries.map((d) => ({
      ...d, nextAttemptAt: d.nextAttemptAt.toISOString(), createdAt: d.createdAt.toISOString(), deliveredAt: d.deliveredAt?.toISOString() ?? null,
    })),
  };
}

/** The stored triage state of an alert, or the state it implicitly has before the first action. */
export function triageOf(alert: Alert, stored: StoredTriage | undefined): StoredTriage {
  if (stored) return stored;
  const base = initialState(new Date(alert.lastSeen));
  return { ...base, status: alert.status as TriageStatus, alertId: alert.id, fingerprint: alert.fingerprint, groupedInto: '', exceptionId: '', rev: 0 };
}

/** `routes`: where a reopened alert that was never delivered (suppressed, grouped) goes now. */
export async function applyAction(store: Store, id: string, action: TriageAction, actor: string, now: Date, routes: readonly Route[] = []): Promise<AlertDetail> {
  const found = await joinedById(store, id);
  if (!found) throw new AppError('ALERT_NOT_FOUND', `no alert ${id}`, { id });
  const current = triageOf(found.alert, (await readTriage(store, [id])).get(id));
  const next = transition(current, action, actor, now);
  await writeTriage(store, [{ ...current, ...next.state, rev: current.rev + 1 }], [{ ...next.event, alertId: id }], now);
  if (next.notify) await requeueForAction(store, found.alert, next.notify, now, routes);
  const detail = await getAlert(store, id);
  if (!detail) throw new AppError('ALERT_NOT_FOUND', `no alert ${id}`, { id });
  return detail;
}
