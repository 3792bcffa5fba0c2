import { spendSql } from '../api/routes/spend.ts';
import { signalOf, type AnyDetector, type Signal } from '../detect/define-detector.ts';
import { clickHouseTime, fromClickHouseTime } from '../detect/windows.ts';
import { AppError } from '../errors.ts';
import { selectRows } from '../store/select-rows.ts';
import type { Store } from '../store/store.ts';
import { policyLookups } from './policy-lookups.ts';
import { TEAM_LOOKUPS, agentTeam, gatewayTeam } from './team-sql.ts';

/**
 * The small chart on an alert page: the signal around the incident window, chosen by the
 * detector (metadata `signal`, default by audience: src/detect/define-detector.ts signalOf).
 *
 * - spend: the team's spend per UTC day (max of gateway-logged and provider-billed, as the FinOps
 *   page counts it; spendSql) from two weeks before the incident to a day after, against the
 *   approved daily budget and a baseline = the mean of the 7 days before each day.
 * - share: the team's share of gateway model requests without a prompt log per hour, from 12 hours
 *   before to 12 after, against the team's share over the 7 days before (baseline) and the
 *   detector's threshold (`maxUnloggedShare`, shown as budget).
 * - count: per hour over the same span, the session's agent events and gateway requests when the
 *   alert is about one session (entity `session:<id>`), else the team's agent sessions; baseline =
 *   the same hour of day averaged over the 7 days before the span.
 * Marks: the incident window's start and end, and when the alert was first raised.
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;
const round = (n: number) => Math.round(n * 1e6) / 1e6;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface AlertRow { detector: string; title: string; team: string; entity: string; window_start: string; window_end: string; first_seen: string }
interface Point { t: string; value: number; baseline: number | null; budget: number | null }

const ALERT_SQL = `SELECT toString(detector) AS detector, title, team, entity, toString(window_start) AS window_start,
  toString(window_end) AS window_end, toString(first_seen) AS first_seen FROM alerts FINAL WHERE id = {id:String} LIMIT 1`;

const HOURS_OF_SPAN = `hour >= toStartOfHour({since:DateTime64(3)}) - INTERVAL 7 DAY AND hour < {until:DateTime64(3)}`;

/** Unlogged-prompt share per hour of the span, and over the 7 days before it (the baseline). */
const SHARE_SQL = `
WITH ${TEAM_LOOKUPS},
  per_hour AS (
    SELECT hour, sum(model_requests) AS requests, sum(unlogged_prompts) AS unlogged FROM gateway_logging_hourly
    WHERE ${HOURS_OF_SPAN} AND (empty({team:String}) OR ${gatewayTeam('api_key_id', 'team_id', 'user_email')} = {team:String})
    GROUP BY hour
  )
SELECT toString(hour) AS t, if(requests > 0, unlogged / requests, NULL) AS value,
       (SELECT if(sum(requests) > 0, sum(unlogged) / sum(requests), NULL) FROM per_hour WHERE hour < toStartOfHour({since:DateTime64(3)})) AS baseline
FROM per_hour WHERE hour >= toStartOfHour({since:DateTime64(3)}) ORDER BY hour`;

/** Agent sessions of the team per hour of the span, against the same hour of day over the 7 days before. */
const TEAM_SESSIONS_SQL = `
WITH ${TEAM_LOOKUPS},
  per_hour AS (
    SELECT hour, uniqExact(session_id) AS n FROM agent_hourly
    WHERE ${HOURS_OF_SPAN} AND session_id != '' AND (empty({team:String}) OR ${agentTeam('user_email', 'team_id')} = {team:String})
    GROUP BY hour
  )
SELECT toString(c.hour) AS t, c.n AS value, b.n AS baseline
FROM (SELECT hour, n FROM per_hour WHERE hour >= toStartOfHour({since:DateTime64(3)})) AS c
LEFT JOIN (SELECT toHour(hour) AS h, sum(n) / 7 AS n FROM per_hour WHERE hour < toStartOfHour({since:DateTime64(3)}) GROUP BY h) AS b ON b.h = toHour(c.hour)
ORDER BY c.hour
SETTINGS join_use_nulls = 1`;

/** One session's agent events and gateway requests per hour of the span. */
const SESSION_SQL = `
SELECT toString(hour) AS t, sum(n) AS value, NULL AS baseline FROM (
  SELECT hour, sum(events) AS n FROM agent_hourly
  WHERE session_id = {session:String} AND hour >= toStartOfHour({since:DateTime64(3)}) AND hour < {until:DateTime64(3)} GROUP BY hour
  UNION ALL
  SELECT hour, sum(requests) FROM gateway_sessions_hourly
  WHERE session_id = {session:String} AND hour >= toStartOfHour({since:DateTime64(3)}) AND hour < {until:DateTime64(3)} GROUP BY hour)
GROUP BY hour ORDER BY hour`;

/** Every step of [from, to) with the rows' values, zero (or null for a share) where the store has none. */
function grid(from: number, to: number, step: number, rows: Map<number, { value: number | null; baseline: number | null }>, empty: number | null, budget: number | null): Point[] {
  const out: Point[] = [];
  for (let t = from; t < to; t += step) {
    const r = rows.get(t);
    const value = r?.value ?? empty;
    if (value === null) continue;
    out.push({ t: new Date(t).toISOString(), value: round(value), baseline: r?.baseline == null ? null : round(r.baseline), budget });
  }
  return out;
}

async function spendPoints(store: Store, team: string, from: number, to: number): Promise<Point[]> {
  const rows = await selectRows<{ key: string; logged: number; billed: number; approved: number | null }>(store, spendSql(team ? 'team_day' : 'day'),
    { from: dayOf(from - 7 * DAY), to: dayOf(to), teams: team ? [team] : [], ...(await policyLookups(store, dayOf(from - 7 * DAY), dayOf(to))) });
  const byDay = new Map(rows.map((r) => [Date.parse(`${r.key.split('\t').at(-1) as string}T00:00:00Z`), r]));
  const spend = (ms: number) => { const r = byDay.get(ms); return r ? Math.max(r.logged, r.billed) : 0; };
  const out: Point[] = [];
  for (let t = from; t < to; t += DAY) {
    const prior = Array.from({ length: 7 }, (_, i) => spend(t - (i + 1) * DAY));
    out.push({ t: new Date(t).toISOString(), value: round(spend(t)), baseline: round(prior.reduce((a, b) => a + b, 0) / 7), budget: byDay.get(t)?.approved ?? null });
  }
  return out;
}

export async function alertSignal(store: Store, detectors: readonly AnyDetector[], id: string) {
  const [alert] = await selectRows<AlertRow>(store, ALERT_SQL, { id });
  if (!alert) throw new AppError('ALERT_NOT_FOUND', `no alert ${id}`, { id });
  const detector = detectors.find((d) => d.id === alert.detector);
  const kind: Signal = detector ? signalOf(detector) : 'count';
  const start = fromClickHouseTime(alert.window_start).getTime();
  const end = Math.max(fromClickHouseTime(alert.window_end).getTime(), start + HOUR);
  const who = alert.team || 'all teams';
  const marks = [
    { t: new Date(start).toISOString(), label: 'incident start' },
    { t: new Date(end).toISOString(), label: 'incident end' },
    { t: fromClickHouseTime(alert.first_seen).toISOString(), label: 'alert raised' },
  ];

  if (kind === 'spend') {
    const from = Math.floor(start / DAY) * DAY - 14 * DAY;
    const to = Math.min(Math.ceil(end / DAY) * DAY + DAY, from + 45 * DAY);
    return { kind, unit: 'usd' as const, title: `Daily spend of ${who} against baseline and approved budget`,
      from: new Date(from).toISOString(), to: new Date(to).toISOString(), points: await spendPoints(store, alert.team, from, to), marks };
  }
  const from = Math.floor(start / HOUR) * HOUR - 12 * HOUR;
  const to = Math.min(Math.ceil(end / HOUR) * HOUR + 12 * HOUR, from + 7 * DAY);
  // from/to (days) bound the team lookups' memberships (team-sql.ts): those in force during the span.
  const span = { since: clickHouseTime(from), until: clickHouseTime(to), team: alert.team, from: dayOf(from), to: dayOf(to + DAY - 1) };
  const toMap = (rows: { t: string; value: number | null; baseline: number | null }[]) =>
    new Map(rows.map((r) => [fromClickHouseTime(r.t).getTime(), { value: r.value, baseline: r.baseline }]));
  const base = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), marks };
  if (kind === 'share') {
    const rows = await selectRows<{ t: string; value: number | null; baseline: number | null }>(store, SHARE_SQL, { ...span, ...(await policyLookups(store, span.from, span.to)) });
    const threshold = detector?.params['maxUnloggedShare']?.default;
    return { kind, unit: 'share' as const, title: `Share of ${who}'s gateway requests without a prompt log, per hour`, ...base,
      points: grid(from, to, HOUR, toMap(rows), null, typeof threshold === 'number' ? threshold : null) };
  }
  const session = alert.entity.startsWith('session:') ? alert.entity.slice('session:'.length) : '';
  const rows = session
    ? await selectRows<{ t: string; value: number; baseline: null }>(store, SESSION_SQL, { ...span, session })
    : await selectRows<{ t: string; value: number; baseline: number | null }>(store, TEAM_SESSIONS_SQL, { ...span, ...(await policyLookups(store, span.from, span.to)) });
  return { kind, unit: 'count' as const,
    title: session ? `Session ${session}: agent events and gateway requests per hour` : `Agent sessions of ${who} per hour against the previous week`,
    ...base, points: grid(from, to, HOUR, toMap(rows), 0, null) };
}
