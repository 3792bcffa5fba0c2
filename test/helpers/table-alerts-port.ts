import { AppError } from '../../src/errors.ts';
import type { AlertDetail, AlertFilter, AlertPage, AlertRecord, AlertsPort, TriageAction } from '../../src/api/alerts-port.ts';
import type { Store } from '../../src/store/store.ts';

/**
 * A small AlertsPort over the real alerts table (0008_alerts.sql), for the API's tests and bench
 * until the alert repository (src/alerts/repository.ts) is wired in. Status lives in the table
 * (a new version per action, ReplacingMergeTree(updated_at)); assignee and history, which the
 * table has no columns for, are kept in memory here.
 */

const SEVERITY_ORDER = "indexOf(['info', 'low', 'medium', 'high', 'critical'], toString(severity))";
const COLUMNS = `id, fingerprint, toString(detector) AS detector, title, toString(severity) AS severity, toString(audience) AS audience, team, identity,
  credential, entity, toString(window_start) AS window_start, toString(window_end) AS window_end, summary, impact_usd, toString(first_seen) AS first_seen,
  toString(last_seen) AS last_seen, toString(status) AS status`;

interface Row {
  id: string; fingerprint: string; detector: string; title: string; severity: string; audience: string; team: string; identity: string;
  credential: string; entity: string; window_start: string; window_end: string; summary: string; impact_usd: number | null;
  first_seen: string; last_seen: string; status: string; evidence?: string;
}

const iso = (t: string) => `${t.replace(' ', 'T')}Z`;
const chTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

function record(r: Row): AlertRecord {
  return {
    id: r.id, fingerprint: r.fingerprint, detector: r.detector, title: r.title, severity: r.severity, audience: r.audience, team: r.team,
    identity: r.identity, credential: r.credential, entity: r.entity, windowStart: iso(r.window_start), windowEnd: iso(r.window_end),
    summary: r.summary, impactUsd: r.impact_usd, firstSeen: iso(r.first_seen), lastSeen: iso(r.last_seen), status: r.status,
  };
}

const NEXT: Record<TriageAction['kind'], { from: string[]; to?: string }> = {
  ack: { from: ['open'], to: 'acknowledged' },
  resolve: { from: ['open', 'acknowledged'], to: 'resolved' },
  invalid: { from: ['open', 'acknowledged'], to: 'invalid' },
  reopen: { from: ['resolved', 'invalid'], to: 'open' },
  snooze: { from: ['open', 'acknowledged'] },
  assign: { from: ['open', 'acknowledged'] },
  comment: { from: ['open', 'acknowledged', 'resolved', 'invalid'] },
};

export function tableAlertsPort(store: Store): AlertsPort {
  const extras = new Map<string, { assignee?: string; history: { at: string; actor: string; action: TriageAction['kind']; detail?: string }[] }>();
  const query = async <T>(q: string, params: Record<string, unknown>) =>
    (await store.client.query({ query: q, query_params: params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } })).json<T>();

  const getAlert = async (id: string): Promise<AlertDetail | undefined> => {
    const [row] = await query<Row>(`SELECT ${COLUMNS}, evidence FROM alerts FINAL WHERE id = {id:String} LIMIT 1`, { id });
    if (!row) return undefined;
    const extra = extras.get(id);
    return { ...record(row), evidence: JSON.parse(row.evidence ?? '{}') as unknown, assignee: extra?.assignee ?? null, history: extra?.history ?? [] };
  };

  return {
    async listAlerts(filter: AlertFilter, page: AlertPage) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: page.limit, offset: page.offset };
      for (const key of ['status', 'detector', 'severity', 'audience', 'team'] as const) {
        const values = filter[key];
        if (values?.length) {
          where.push(`${key} IN {${key}:Array(String)}`);
          params[key] = values;
        }
      }
      if (filter.from) (where.push('window_end > {from:DateTime64(3)}'), (params['from'] = chTime(filter.from)));
      if (filter.to) (where.push('window_start < {to:DateTime64(3)}'), (params['to'] = chTime(filter.to)));
      const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const sort = page.sort === 'severity' ? SEVERITY_ORDER : page.sort ?? 'last_seen';
      const order = page.order === 'asc' ? 'ASC' : 'DESC';
      const items = await query<Row>(`SELECT ${COLUMNS} FROM alerts FINAL ${cond} ORDER BY ${sort} ${order}, id LIMIT {limit:UInt32} OFFSET {offset:UInt32}
        SETTINGS prefer_column_name_to_alias = 1`, params);
      const counts = await query<{ status: string; n: number }>(`SELECT toString(status) AS status, count() AS n FROM alerts FINAL ${cond} GROUP BY status`, params);
      return { items: items.map(record), total: counts.reduce((n, c) => n + c.n, 0), countsByStatus: Object.fromEntries(counts.map((c) => [c.status, c.n])) };
    },
    getAlert,
    async applyAction(id, action, actor, now) {
      const current = await getAlert(id);
      if (!current) throw new AppError('ALERT_NOT_FOUND', `no alert ${id}`, { id });
      const rule = NEXT[action.kind];
      if (!rule.from.includes(current.status)) {
        throw new AppError('ALERT_BAD_TRANSITION', `cannot ${action.kind} an alert that is ${current.status}`, { id, status: current.status });
      }
      const extra = extras.get(id) ?? { history: [] };
      if (action.kind === 'assign') extra.assignee = action.assignee;
      const detail = action.kind === 'invalid' ? action.reason : action.kind === 'comment' ? action.text : action.kind === 'snooze' ? action.until.toISOString() : undefined;
      extra.history.push({ at: now.toISOString(), actor, action: action.kind, ...(detail !== undefined && { detail }) });
      extras.set(id, extra);
      if (rule.to) {
        await store.client.command({
          query: `INSERT INTO alerts SELECT * REPLACE ({status:String} AS status, {now:DateTime64(3)} AS updated_at) FROM alerts FINAL WHERE id = {id:String}`,
          query_params: { status: rule.to, now: chTime(now), id },
          clickhouse_settings: { insert_deduplication_token: '' },
        });
      }
      return (await getAlert(id)) as AlertDetail;
    },
  };
}

export interface AlertSeed {
  id: string; detector: string; severity: string; audience: string; team: string; identity: string; entity: string;
  windowStart: Date; windowEnd: Date; status?: string; evidence?: unknown; impactUsd?: number | null;
}

/** Alert rows straight into the table (the shape src/detect/alerts.ts stores). */
export async function insertAlerts(store: Store, seeds: readonly AlertSeed[]): Promise<void> {
  if (seeds.length === 0) return;
  await store.client.insert({
    table: 'alerts', format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: '' },
    values: seeds.map((s) => ({
      id: s.id, fingerprint: `fp-${s.id}`, detector: s.detector, title: `${s.detector} fired`, severity: s.severity, audience: s.audience,
      team: s.team, identity: s.identity, credential: '', entity: s.entity, window_start: chTime(s.windowStart), window_end: chTime(s.windowEnd),
      summary: `${s.detector} on ${s.entity}`, evidence: JSON.stringify(s.evidence ?? { figures: {} }), impact_usd: s.impactUsd ?? null,
      owasp_agentic: [], maestro: [], nist_ai_rmf: [], nist_csf: [], policy_version: 'test',
      first_seen: chTime(s.windowEnd), last_seen: chTime(s.windowEnd), status: s.status ?? 'open', updated_at: chTime(s.windowEnd),
    })),
  });
}
