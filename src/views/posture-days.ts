import { selectRows } from '../store/select-rows.ts';
import type { Store } from '../store/store.ts';
import { MODELS_SQL, PROMPTS_SQL, SESSIONS_SQL, TOOLS_SQL, UNHELD_SQL } from './posture-figures.ts';
import { policyLookups } from './policy-lookups.ts';
import { posturePolicy } from './posture-policy.ts';
import { TEAM_FILTER } from './team-sql.ts';

/**
 * The posture's figures kept per UTC day (0027_posture_days.sql): a report makes sure each day of
 * its period is computed for the current policy version and the day's data, then merges the kept
 * rows. A closed day is computed once; the day still receiving data, or one whose data arrived
 * late, is computed again on the next request. Nothing is pulled into Node: a day's figures go from
 * the roll-ups to posture_days in one INSERT … SELECT.
 *
 * A day's data mark is its totals in every roll-up the figures read. They only grow (each row of
 * the source tables adds to them; merges keep them), so an equal mark means nothing arrived since.
 * The mark is read before the figures: what the figures saw is at least what the mark counted, and
 * anything that arrived in between changes the mark, so the day is computed again next time.
 * Not in the mark: agent_accounts' 30-day look-back, which names a Claude account's person for the
 * unheld credentials; telemetry arriving late for an earlier day does not renew a later day's name.
 */

const DAYS = `day >= {from:Date} AND day < {to:Date}`;

/** Every day of [from, to) with its data mark (days without data included: their mark is all zeros). */
const MARKS_SQL = `
SELECT day, concat(toString(sum(g)), '.', toString(sum(s)), '.', toString(sum(e)), '.', toString(sum(t)), '.', toString(sum(p))) AS mark FROM (
  SELECT arrayJoin(arrayMap(i -> {from:Date} + i, range(toUInt32({to:Date} - {from:Date})))) AS day, 0 AS g, 0 AS s, 0 AS e, 0 AS t, 0 AS p
  UNION ALL SELECT day, sum(requests), 0, 0, 0, 0 FROM gateway_console_daily WHERE ${DAYS} GROUP BY day
  UNION ALL SELECT day, 0, sum(requests), 0, 0, 0 FROM gateway_sessions_daily WHERE ${DAYS} GROUP BY day
  UNION ALL SELECT day, 0, 0, sum(events), 0, 0 FROM agent_sessions_daily WHERE ${DAYS} GROUP BY day
  UNION ALL SELECT day, 0, 0, 0, sum(results) + sum(decisions), 0 FROM agent_tools_daily WHERE ${DAYS} GROUP BY day
  UNION ALL SELECT toDate(hour) AS day, 0, 0, 0, 0, sum(exports) FROM provider_hourly
            WHERE kind IN ('usage', 'invocation') AND hour >= toDateTime({from:Date}) AND hour < toDateTime({to:Date}) GROUP BY day
) GROUP BY day`;

/** The days of [from, to) whose kept figures are missing or older than their data, with the mark to compute them at. */
const STALE_SQL = `
WITH marks AS (${MARKS_SQL}),
  kept AS (SELECT day, data_mark FROM posture_days FINAL WHERE part = 'day' AND policy_version = {policy_version:String} AND ${DAYS})
SELECT toString(m.day) AS day, m.mark AS mark, toUnixTimestamp64Milli(now64(3)) AS read_at
FROM marks AS m LEFT JOIN kept AS k ON k.day = m.day
WHERE k.data_mark != m.mark
ORDER BY day
SETTINGS join_use_nulls = 0`;

const figure = (sql: string) => sql.replace(/\nSETTINGS [^\n]*$/, '');
const SESSION_STATE = 'AggregateFunction(uniqExact, String)';
// arrayReduce: an empty state as a plain expression (an aggregate here would make the whole arm one group)
const EMPTY_STATE = `arrayReduce('uniqExactState', CAST([], 'Array(String)'))`;
const NO_SESSIONS = `${EMPTY_STATE}, ${EMPTY_STATE}`;

/**
 * One day's figures ({from:Date} .. {to:Date} is that day) as posture_days rows. Columns per part:
 * - day:      the marker (no figures);
 * - sessions: team; n1 agent events, n2 of them named; sessions / via the session-id states;
 * - prompts:  team; n1 model requests, n2 of them logged with their prompt;
 * - models:   team, subject the task class, item the served model; n1 requests, flag approved;
 * - tools:    team, subject the kind (tool, mcp_server), item its name; n1 uses, flag approved;
 * - unheld:   team, item the credential, detail its source; n1 events, n2 cost in USD.
 */
const DAY_SQL = `
INSERT INTO posture_days (day, policy_version, data_mark, computed_at, part, team, subject, item, detail, n1, n2, flag, sessions, via)
SELECT {from:Date}, {policy_version:String}, {mark:String}, fromUnixTimestamp64Milli({read_at:Int64}), part, team, subject, item, detail, n1, n2, flag, sessions, via FROM (
  SELECT 'day' AS part, '' AS team, '' AS subject, '' AS item, '' AS detail, 0. AS n1, 0. AS n2, toUInt8(0) AS flag, ${EMPTY_STATE} AS sessions, ${EMPTY_STATE} AS via
  UNION ALL
  SELECT 'sessions', team, '', '', '', toFloat64(events), toFloat64(named), 0, CAST(sessions, '${SESSION_STATE}'), CAST(via, '${SESSION_STATE}')
  FROM (${figure(SESSIONS_SQL)})
  UNION ALL
  SELECT 'prompts', team, '', '', '', toFloat64(requests), toFloat64(logged), 0, ${NO_SESSIONS} FROM (${figure(PROMPTS_SQL)})
  UNION ALL
  SELECT 'models', team, task_class, model, '', toFloat64(requests), 0, toUInt8(approved), ${NO_SESSIONS} FROM (${figure(MODELS_SQL)})
  UNION ALL
  SELECT 'tools', team, kind, name, '', toFloat64(uses), 0, toUInt8(approved), ${NO_SESSIONS} FROM (${figure(TOOLS_SQL)})
  UNION ALL
  SELECT 'unheld', team, '', credential, source, toFloat64(events), toFloat64(cost_usd), 0, ${NO_SESSIONS} FROM (${figure(UNHELD_SQL)})
)
SETTINGS join_use_nulls = 0`;

/** The marker alone, for a day without data (its mark is all zeros): none of the figures' queries needs to run. */
const EMPTY_DAY_SQL = `
INSERT INTO posture_days (day, policy_version, data_mark, computed_at, part, sessions, via)
SELECT {from:Date}, {policy_version:String}, {mark:String}, fromUnixTimestamp64Milli({read_at:Int64}), 'day', ${NO_SESSIONS}`;

/**
 * A period's figures from the kept days: per part and key over the period (on_day ''), and the
 * sessions and prompts per day for the trend. A day's rows are those of the computation its marker
 * names, so a day never mixes two computations. A session counted on several days counts once.
 */
const READ_SQL = `
WITH kept AS (SELECT * FROM posture_days FINAL WHERE ${DAYS} AND policy_version = {policy_version:String}),
  figures AS (SELECT * FROM kept WHERE part != 'day' AND (day, data_mark) IN (SELECT day, data_mark FROM kept WHERE part = 'day') AND ${TEAM_FILTER})
SELECT * FROM (
  SELECT toString(part) AS part, '' AS on_day, team, subject, item, detail, uniqExactMerge(sessions) AS sessions, uniqExactMerge(via) AS via,
         sum(n1) AS n1, sum(n2) AS n2, max(flag) AS flag
  FROM figures GROUP BY part, team, subject, item, detail
  UNION ALL
  SELECT toString(part), toString(day), team, '', '', '', uniqExactMerge(sessions), uniqExactMerge(via), sum(n1), sum(n2), 0
  FROM figures WHERE part IN ('sessions', 'prompts') GROUP BY part, day, team
) ORDER BY part, on_day, team, subject, n1 DESC, item`;

export interface PostureFigure {
  part: 'sessions' | 'prompts' | 'models' | 'tools' | 'unheld';
  on_day: string;
  team: string;
  subject: string;
  item: string;
  detail: string;
  sessions: number;
  via: number;
  n1: number;
  n2: number;
  flag: number;
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

// Concurrent requests over the same stale day share one computation.
const inFlight = new Map<string, Promise<void>>();

const NO_DATA = /^0(\.0)*$/;

async function computeDay(store: Store, version: string, day: string, mark: string, readAt: number): Promise<void> {
  if (NO_DATA.test(mark)) {
    await store.client.command({ query: EMPTY_DAY_SQL, query_params: { from: day, policy_version: version, mark, read_at: readAt } });
    return;
  }
  const to = nextDay(day);
  const lookups = await policyLookups(store, day, to);
  // A policy synced since the report read its version: the day is left to the next request, which reads at the new one.
  if (lookups.policy_version !== version) return;
  const params = { ...lookups, ...(await posturePolicy(store, version)), from: day, to, teams: [], mark, read_at: readAt };
  // Two processes computing one day both insert; FINAL and the marker keep one computation's rows.
  await store.client.command({ query: DAY_SQL, query_params: params });
}

/** Computes and keeps the figures of every day of [from, to) that has none for its current data at `version`. */
export async function refreshPostureDays(store: Store, from: string, to: string, version: string): Promise<number> {
  const stale = await selectRows<{ day: string; mark: string; read_at: number }>(store, STALE_SQL, { from, to, policy_version: version });
  for (const { day, mark, read_at } of stale) {
    const key = `${version}\t${day}\t${mark}`;
    let running = inFlight.get(key);
    if (!running) {
      running = computeDay(store, version, day, mark, read_at).finally(() => inFlight.delete(key));
      inFlight.set(key, running);
    }
    await running;
  }
  return stale.length;
}

/** The kept figures of [from, to) at `version`, for the teams asked ([] = all). */
export function readPostureDays(store: Store, params: { from: string; to: string; teams: string[]; policy_version: string }): Promise<PostureFigure[]> {
  return selectRows<PostureFigure>(store, READ_SQL, params);
}
