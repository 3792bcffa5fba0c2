import { z } from 'zod';
import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';
import { binomialUpperTail } from '../_shared/binomial.ts';

/**
 * Entry-path and surface drift (issue 14): per team, the share of agent activity (Claude Code
 * api_request events) that reaches a model through an unapproved path or from an unapproved
 * surface, against the team's own history — "governed in the central interface but not in a
 * desktop extension".
 *
 * Path of a session (agentBoundaries.surfaces.paths), from what the sources show:
 * - approved-gateway: a request of a gateway kind the policy lists carries its session id;
 * - other-gateway: only gateways of another kind carry it;
 * - no gateway at all, then by the telemetry (formats.md §8): cloud-provider when its requests have
 *   no client_request_id (Claude Code sends x-client-request-id on first-party API connections
 *   only, not to Bedrock/Vertex/Foundry), subscription-login when the telemetry carries a Claude
 *   account (user.account_id is only set on a claude.ai login), else direct-api-key.
 * Surface: OTel `service.name` (claude-code, claude-code-desktop) and `terminal.type` (vscode,
 * cursor, …) against surfaces.services / surfaces.terminals. Unknown (empty) values are not judged.
 *
 * A team alerts per unapproved (dimension, value) used in the window when its share of the team's
 * requests is at least minShare, rose by at least minRise over the team's baseline, and is
 * significant against it by an exact one-sided binomial test (_shared/binomial.ts, maxPValue) —
 * no floor of requests or history, so a 5-person team's 4 of 8 is judged like a 2,000-person
 * team's 400 of 800 (issue 14). The baseline is the team's share in the historyHours before, with
 * one request each way added (the Beta(1, 1) posterior mean): a team without history has a baseline
 * of one half, so only an overwhelming share is evidence against it. An hour with fewer than
 * minRequests team requests that is not evidence alone is judged on the day so far (the hours of the
 * window's UTC day up to its end) against the history before that day. One alert per team, dimension, value and UTC day. Reads agent_paths_hourly (model requests per
 * hour, session and surface, 0018_agent_boundaries.sql) and gateway_sessions_hourly; raw events
 * only for the samples.
 */

interface QueryRow {
  team: string;
  dimension: 'path' | 'service' | 'terminal';
  value: string;
  window_requests: number;
  window_total: number;
  /** Before the window, within historyHours. */
  history_requests: number;
  history_total: number;
  /** The window's UTC day up to its end, and the history before that day. */
  day_requests: number;
  day_total: number;
  prior_requests: number;
  prior_total: number;
  sessions: string[];
  users: string[];
  top_user: string;
  owner: string;
  first_at: string;
  samples: string[];
}

/** What a finding was judged on: the hour, or the day so far when the hour is thin. */
interface Judged { over: 'hour' | 'day so far'; requests: number; total: number; historyRequests: number; historyTotal: number; share: number; baseline: number; pValue: number }
type Row = QueryRow & { judged: Judged };

type DriftParams = { minRequests: number; minShare: number; minRise: number; maxPValue: number };

/** Share at least minShare, rise over the smoothed baseline at least minRise, and significant against it. */
function judge(over: Judged['over'], requests: number, total: number, historyRequests: number, historyTotal: number, p: DriftParams): Judged | null {
  if (total === 0) return null;
  const share = requests / total;
  const baseline = (historyRequests + 1) / (historyTotal + 2);
  if (share < p.minShare || share - baseline < p.minRise) return null;
  const pValue = binomialUpperTail(requests, total, baseline);
  return pValue <= p.maxPValue ? { over, requests, total, historyRequests, historyTotal, share, baseline, pValue } : null;
}

/** The hour against everything before it; a thin hour that is not evidence alone, the day so far against the days before. */
function judgeDrift(r: QueryRow, p: DriftParams): Judged | null {
  return judge('hour', r.window_requests, r.window_total, r.history_requests, r.history_total, p)
    ?? (r.window_total < p.minRequests ? judge('day so far', r.day_requests, r.day_total, r.prior_requests, r.prior_total, p) : null);
}

const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;

export default defineDetector({
  id: 'cross-source.entry-path-drift',
  title: 'Team\'s agent activity drifting to unapproved entry paths or surfaces',
  description:
    'Per team, the share of Claude Code model requests that reach a model through an unapproved path (another gateway, a ' +
    'direct provider key, a personal subscription login, Bedrock/Vertex directly) or from an unapproved surface (service.name, ' +
    'terminal.type), when it rises against the team\'s own history. One alert per team, path or surface, and day.',
  severity: 'medium',
  audience: 'soc',
  schedule: { every: '1h', lookback: '1h', settle: '15m', maxWait: '2h', recheck: '24h' },
  // Sessions look gateway-less until the gateway's logs have landed.
  requires: ['gateway'],
  controls: {
    owaspAgentic: ['ASI03', 'ASI10'],
    maestro: ['L4', 'L6', 'L7'],
    nistAiRmf: ['GOVERN 1.6', 'MEASURE 2.7', 'MANAGE 4.1'],
    nistCsf: ['ID.AM-02', 'DE.CM-03', 'PR.PS-04'],
  },
  runbook:
    'Read the figures: which path or surface, its share now vs the team\'s history, the users and sessions. For a path: ' +
    'check how those installs are configured (ANTHROPIC_BASE_URL, apiKeyHelper, CLAUDE_CODE_USE_BEDROCK/VERTEX, a claude.ai ' +
    'login) and whether managed settings reach them; cross-source.session-without-gateway and billing.unmanaged-key-usage ' +
    'name the sessions and keys. For a surface (a desktop app or an IDE extension): confirm the managed settings and ' +
    'telemetry apply there too, then approve it in agentBoundaries.surfaces or move the team back to the governed surface.',
  falsePositives: [
    'A planned migration to a new surface or gateway before the policy lists it.',
    'A team with little history whose first busy hours happen to be on a rarely used surface (lower maxPValue).',
    'Gateway logs missing session ids (LiteLLM builds without the x-*-session-id rule) make governed sessions look direct.',
  ],
  params: {
    historyHours: param('UInt32', 168, 'Hours before the window that form the team\'s history.'),
    minRequests: param('UInt32', 20, 'An hour with fewer team requests that is not evidence alone is judged on the team\'s day so far (the hour rolls up to the day).'),
    minShare: param('Float64', 0.2, 'Minimum share of the team\'s requests on the unapproved path/surface.', z.number().min(0).max(1)),
    minRise: param('Float64', 0.15, 'Minimum rise of the share over the team\'s baseline share.', z.number().min(0).max(1)),
    maxPValue: param('Float64', 0.001, 'Maximum one-sided binomial p-value of that many requests at the baseline share.', z.number().gt(0).max(1)),
    gatewayToleranceSeconds: param('UInt32', 600, 'Gateway requests this far around a request still govern its session.'),
  },
  // One query evaluates a run of windows (detectors/README.md, batch). Sliding history: an hour of requests counts for the window
  // holding it (in_window) and as history for each window whose historyHours reach back over it (ARRAY JOIN over those windows).
  batch: true,
  query: sql`
    WITH
      toIntervalSecond({historyHours:UInt32} * 3600) AS history,
      toIntervalSecond({gatewayToleranceSeconds:UInt32}) AS tolerance,
      toUInt32(dateDiff('second', {from:DateTime64(3)}, {to:DateTime64(3)}) / {every:UInt32}) AS windows,
      members AS (SELECT email, groupArray((valid_from, valid_to, team_id)) AS spans FROM policy_team_members GROUP BY email),
      rules AS (
        SELECT team_id,
          groupArrayIf(name_pattern, rule = 'approved_path') AS path_patterns, countIf(rule = 'approved_path') > 0 AS paths_judged,
          groupArrayIf(name_pattern, rule = 'approved_service') AS service_patterns, countIf(rule = 'approved_service') > 0 AS services_judged,
          groupArrayIf(name_pattern, rule = 'approved_terminal') AS terminal_patterns, countIf(rule = 'approved_terminal') > 0 AS terminals_judged
        FROM policy_agent_rules WHERE rule IN ('approved_path', 'approved_service', 'approved_terminal') GROUP BY team_id
      ),
      (SELECT groupUniqArray(kind) FROM policy_gateways) AS approved_kinds,
      -- the entry paths, in the order classified tests them
      ['approved-gateway', 'other-gateway', 'cloud-provider', 'subscription-login', 'direct-api-key'] AS entry_paths,
      seen AS (
        -- per session, its gateway rows as (first window, window after the last, gateway): a row counts for the windows whose
        -- [start - history - tolerance, end + tolerance) holds it. One row per session, not per (window, session): spread over
        -- the day's windows the gateway's sessions were most of this detector's work. Named apart from the requests'
        -- session_id: a column both sides of a join have would come out qualified.
        SELECT session_id AS governed_session,
               groupArray((toUInt32(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, first_at - tolerance), 0), {every:UInt32})),
                           toUInt32(greatest(least(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, last_at + tolerance) + {historyHours:UInt32} * 3600, 0), {every:UInt32}) + 1, windows), 0)),
                           gateway)) AS spans
        FROM gateway_sessions_hourly
        WHERE session_id != '' AND hour >= toStartOfHour({from:DateTime64(3)} - history - tolerance) AND hour < {to:DateTime64(3)} + tolerance
        GROUP BY governed_session
      ),
      requests AS (
        -- model requests per hour, session and surface (0018_agent_boundaries.sql), each hour given to every window it is in or
        -- behind. What does not depend on the window (the team, the session's gateway rows, the surface checks) is looked up
        -- once per hour row, before the spread: on the 10 M-request day 100,696 rows become 1.17 M.
        SELECT r.*, k AS window_index, {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (k + 1)) AS window_end,
               r.hour >= window_end - toIntervalSecond({every:UInt32}) AS in_window,
               -- the window's UTC day up to its end (read while historyHours reach back over it)
               r.hour >= toStartOfDay(window_end - toIntervalSecond({every:UInt32})) AS in_day
        FROM (
          SELECT h.*, g.spans AS gateway_spans,
            arrayReverseSort(span -> span.1, arrayFilter(span -> span.1 <= h.event_time AND span.2 > h.event_time, m.spans)) AS spans_in_force,
            if(notEmpty(spans_in_force), spans_in_force[1].3, a.team_id) AS team
          FROM (
            SELECT session_id, hour, user_email, team_id AS otel_team, account_id, service_name, terminal_type, first_party,
                   sum(requests) AS n, min(first_at) AS event_time
            FROM agent_paths_hourly
            WHERE hour >= toStartOfHour({from:DateTime64(3)} - history) AND hour < {to:DateTime64(3)}
            GROUP BY session_id, hour, user_email, otel_team, account_id, service_name, terminal_type, first_party) AS h
          LEFT JOIN seen AS g ON g.governed_session = h.session_id
          LEFT JOIN members AS m ON m.email = h.user_email
          LEFT JOIN policy_team_aliases AS a ON a.alias = lower(h.otel_team)) AS r
        ARRAY JOIN range(toUInt32(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, r.hour), 0), {every:UInt32})),
                         toUInt32(greatest(least(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, r.hour) + {historyHours:UInt32} * 3600, 0), {every:UInt32}) + 1, windows), 0))) AS k
      ),
      classified AS (
        SELECT r.*,
          arrayMap(span -> span.3, arrayFilter(span -> span.1 <= r.window_index AND r.window_index < span.2, r.gateway_spans)) AS gateways,
          multiIf(hasAny(gateways, approved_kinds), entry_paths[1], notEmpty(gateways), entry_paths[2],
                  NOT r.first_party, entry_paths[3], r.account_id != '', entry_paths[4], entry_paths[5]) AS path
        FROM requests AS r
      ),
      -- The dimensions a (team, path, service, terminal) combination is off-policy in, matched once per combination that
      -- could occur (the teams with rules, every path, the surfaces of the range: a few hundred) instead of once per row
      -- spread over the windows (1.24 M at 10 M requests, the patterns were a third of this query's time).
      (SELECT groupArray((r.team_id, p.path, s.service_name, s.terminal_type, arrayFilter(x -> x.2 != '', [
          ('path', if(r.paths_judged AND NOT arrayExists(pt -> match(p.path, concat('(?i)', pt)), r.path_patterns), p.path, '')),
          ('service', if(r.services_judged AND s.service_name != '' AND NOT arrayExists(pt -> match(s.service_name, concat('(?i)', pt)), r.service_patterns), s.service_name, '')),
          ('terminal', if(r.terminals_judged AND s.terminal_type != '' AND NOT arrayExists(pt -> match(s.terminal_type, concat('(?i)', pt)), r.terminal_patterns), s.terminal_type, ''))])))
       FROM rules AS r
       CROSS JOIN (SELECT arrayJoin(entry_paths) AS path) AS p
       CROSS JOIN (SELECT DISTINCT service_name, terminal_type FROM agent_paths_hourly
                   WHERE hour >= toStartOfHour({from:DateTime64(3)} - history) AND hour < {to:DateTime64(3)}) AS s) AS off_combos,
      off_policy AS (
        SELECT c.1 AS team, c.2 AS path, c.3 AS service_name, c.4 AS terminal_type, c.5 AS off
        FROM (SELECT arrayJoin(off_combos) AS c) WHERE notEmpty(c.5)
      ),
      drift AS (
        -- one pass over the classified rows: each row counts for its team's totals (dimension '') and for every dimension it is
        -- off-policy in; the totals reach the dimensions' rows by a window function, so the rows are not classified twice
        SELECT *,
          sumIf(window_requests, dimension = '') OVER w AS window_total, sumIf(history_requests, dimension = '') OVER w AS history_total,
          sumIf(day_requests, dimension = '') OVER w AS day_total, sumIf(prior_requests, dimension = '') OVER w AS prior_total
        FROM (
          SELECT window_end, team, o.1 AS dimension, o.2 AS value,
            sumIf(n, in_window) AS window_requests, sumIf(n, NOT in_window) AS history_requests,
            sumIf(n, in_day) AS day_requests, sumIf(n, NOT in_day) AS prior_requests,
            arraySlice(arraySort(groupUniqArrayIf(session_id, in_window)), 1, 10) AS sessions,
            arraySort(groupUniqArrayIf(user_email, in_window AND user_email != '')) AS users,
            argMaxIf(user_email, (n, user_email), in_window AND user_email != '') AS top_user,
            minIf(event_time, in_window) AS first_at
          FROM (
            SELECT c.*, arrayConcat([('', '')], oc.off) AS off
            FROM classified AS c
            LEFT JOIN off_policy AS oc
              ON oc.team = c.team AND oc.path = c.path AND oc.service_name = c.service_name AND oc.terminal_type = c.terminal_type)
          ARRAY JOIN off AS o
          GROUP BY window_end, team, dimension, value)
        WINDOW w AS (PARTITION BY window_end, team)
      ),
      (SELECT groupArray((d.team, d.dimension, d.value, d.window_requests, d.window_total, d.history_requests, d.history_total, d.sessions, d.users,
                          d.top_user, d.first_at, d.window_end, d.day_requests, d.day_total, d.prior_requests, d.prior_total))
       FROM drift AS d
       -- used in the window, at minShare of the hour or (thin hour) the day so far; the rise and its significance are evaluate()'s
       WHERE d.dimension != '' AND d.window_requests > 0
         AND (d.window_requests / d.window_total >= {minShare:Float64}
              OR (d.window_total < {minRequests:UInt32} AND d.day_requests / d.day_total >= {minShare:Float64}))) AS flagged,
      -- samples: the first three requests of the first (by id) session of each finding, in its window
      arrayMap(f -> f.8[1], flagged) AS sample_sessions
    SELECT f.12 AS window_end, f.1 AS team, f.2 AS dimension, f.3 AS value, f.4 AS window_requests, f.5 AS window_total, f.6 AS history_requests,
      f.7 AS history_total, f.13 AS day_requests, f.14 AS day_total, f.15 AS prior_requests, f.16 AS prior_total, f.8 AS sessions, f.9 AS users, f.10 AS top_user,
      pt.owner_email AS owner, f.11 AS first_at, x.samples AS samples
    FROM (SELECT arrayJoin(flagged) AS f) AS g
    LEFT JOIN policy_teams AS pt ON pt.team_id = f.1
    LEFT JOIN (
      SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, event_time), 0), {every:UInt32}) + 1)) AS sample_window,
             session_id, arrayMap(t -> t.2, groupArraySorted(3)((event_time, raw))) AS samples
      FROM agent_events
      WHERE has(sample_sessions, session_id) AND event_name = 'api_request' AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
      GROUP BY sample_window, session_id) AS x ON x.sample_window = f.12 AND x.session_id = f.8[1]
    ORDER BY window_end, team, dimension, value
  `,
  evaluate(rows: QueryRow[], { params }): Row[] {
    return rows.flatMap((r) => {
      const judged = judgeDrift(r, params);
      return judged ? [{ ...r, judged }] : [];
    });
  },
  alert(row: Row) {
    const identity = row.top_user || row.owner;
    const j = row.judged;
    const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
    const what = row.dimension === 'path' ? `the ${row.value} entry path` : `the ${row.value} ${row.dimension === 'service' ? 'surface (service.name)' : 'terminal'}`;
    return {
      entity: `${row.team || 'unattributed'}:${row.dimension}:${row.value}`,
      team: row.team,
      identity,
      credential: '',
      summary: `${row.team ? `Team ${row.team}` : 'Unattributed activity'}: ${pct(j.share)} of its Claude Code model requests ${j.over === 'hour' ? 'in the hour' : 'so far today'} ` +
        `(${j.requests} of ${j.total}) went through ${what}, not approved by the policy, against ${pct(j.historyTotal > 0 ? j.historyRequests / j.historyTotal : 0)} in its history ` +
        `(${j.historyRequests} of ${j.historyTotal}; binomial p = ${j.pValue.toExponential(1)}); ` +
        `${row.users.length > 0 ? `users: ${row.users.join(', ')}` : 'no user identity in the telemetry'}.`,
      evidence: {
        figures: {
          dimension: row.dimension,
          value: row.value,
          judgedOver: j.over,
          windowRequests: row.window_requests,
          windowTotal: row.window_total,
          judgedRequests: j.requests,
          judgedTotal: j.total,
          share: round4(j.share),
          historyRequests: j.historyRequests,
          historyTotal: j.historyTotal,
          historyShare: j.historyTotal > 0 ? round4(j.historyRequests / j.historyTotal) : 0,
          baselineShare: round4(j.baseline),
          pValue: Number(j.pValue.toExponential(2)),
          sessions: row.sessions,
          users: row.users,
          firstAt: row.first_at,
        },
        samples: row.samples,
      },
      ...utcDay(row.first_at),
    };
  },
});
