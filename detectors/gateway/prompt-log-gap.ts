import { z } from 'zod';
import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { findLogGaps, logGapAlert, type LogGapRow } from '../_shared/log-gap-findings.ts';

/**
 * Gaps in the gateway's audit trail, per team. Three kinds, each its own entity `<team>:<kind>`:
 *
 * - unlogged-prompts: share of the team's gateway requests stored without the prompt
 *   (prompt_logged = 0: LiteLLM `messages` "{}" without store_prompts_in_spend_logs, Kong without
 *   payload logging — formats.md N4) above a threshold, by an exact one-sided binomial test
 *   (_shared/binomial.ts) rather than a minimum volume: 45 of 51 is as clear as 4,500 of 5,100, and
 *   1 of 1 is not evidence. An hour too thin to judge (fewer than minRequests) is judged on the team's
 *   day so far instead (the hours of the window's UTC day up to its end), so a 5-person team whose
 *   hours peak at 12 requests is judged on its day. Only model requests count: MCP tool calls through
 *   the gateway (LiteLLM MCP gateway, Kong AI MCP proxy) have no prompt to store, so a team using
 *   approved MCP servers is not a team that stopped logging prompts.
 * - late-logs: requests whose log arrived (ingested_at) more than maxDelaySeconds after the request
 *   beyond the pipeline's own delay in the window. The pipeline delay is the lowest per-log-team
 *   median delay, so a replay, a backfill or driftwatch catching up (every team equally late) is
 *   not blamed on a team; a team whose gateway or logger holds its logs back is.
 * - stopped-logging: the team's gateway volume collapsed against the same window on each of the
 *   previous 7 days (median), while Claude Code telemetry or provider billing attributed to the
 *   team shows it still working. A collapse is judged by a Poisson lower tail (_shared/poisson.ts)
 *   rather than a minimum baseline: no request in an hour that brings 8 is as clear as 10 of 800, so
 *   a 5-person team is judged from an hour whose baseline is about 7 requests (e^-7 < 0.001).
 *
 * Team: LiteLLM team id / Kong consumer custom_id via the policy aliases, else the gateway key's
 * policy team, else the key owner's membership. Requests that map to no policy team are left to
 * cross-source.ownerless-session. Team-level incident: the accountable identity is the team owner.
 *
 * Everything comes from the hourly roll-ups, whole hours: prompt logging, volume, the baseline and the
 * ingest delays from 0011_gateway_logging_rollup.sql (a delay histogram per log team for the exact
 * median, the longest delay per team, key and person), telemetry and billing from 0010_rollups.sql.
 * Raw records are read by primary key for the samples of what alerts, and for the (window, log team)
 * pairs with a request beyond the late threshold (known only at query time) to count late requests.
 * The tests over those rows and the alerts they raise are in _shared/log-gap-findings.ts.
 */

export default defineDetector({
  id: 'gateway.prompt-log-gap',
  title: 'Gateway prompt-log gap for a team',
  description:
    'Per team: the share of gateway model requests stored without prompt logs (prompt_logged = 0; MCP tool calls carry no prompt) above a threshold, ' +
    'significant by an exact binomial test (a thin hour is judged on the team\'s day so far); gateway logs arriving late (ingested_at − event time beyond a limit, over the pipeline\'s own delay); ' +
    'or a team whose gateway volume collapsed against the same hour of the previous 7 days while agent telemetry or ' +
    'billing shows it still working. One alert per team, gap kind and UTC day.',
  severity: 'medium',
  audience: 'soc',
  // The alert page charts the team's share of unlogged prompts per hour.
  signal: 'share',
  schedule: { every: '1h', lookback: '1h', settle: '15m', maxWait: '2h', recheck: '48h' },
  // A lagging gateway feed would look like a team that stopped logging; wait for it.
  requires: ['gateway'],
  controls: {
    owaspAgentic: ['ASI10'],
    maestro: ['L5', 'L6'],
    nistAiRmf: ['MEASURE 2.4', 'MEASURE 2.8', 'MANAGE 4.1'],
    nistCsf: ['PR.PS-04', 'DE.CM-03', 'DE.CM-09'],
  },
  runbook:
    'unlogged-prompts: check the gateway config for the keys in the evidence (LiteLLM general_settings.store_prompts_in_spend_logs ' +
    'or per-key/team logging callbacks; Kong ai-proxy logging.log_payloads) and whether the team was granted an exemption. ' +
    'late-logs: find where the team\'s logs queue (LiteLLM batch loggers, Kong log plugin queue, a separate Kafka topic) and ' +
    'compare maxDelay with the detectors\' recheck window — logs later than that are never evaluated. stopped-logging: ' +
    'confirm with the team owner whether they moved to another gateway or key; compare with cross-source.session-without-gateway ' +
    'and billing.unmanaged-key-usage for the same team, which show where the traffic went. Restore logging, then close.',
  falsePositives: [
    'Teams approved to opt out of prompt storage (privacy-sensitive work): raise maxUnloggedShare or exclude them by policy change.',
    'Kong routes without payload logging that carry non-prompt traffic (embeddings, health checks).',
    'A planned gateway migration where the new gateway\'s logs are not yet ingested.',
    'Holidays or a team-wide offsite: volume drops while a few members still use agents directly (billing shows it).',
    'A gateway feed behind by more than maxWait (2 h) makes every team look stopped; a feed late for ALL teams is not reported as late-logs.',
  ],
  params: {
    maxUnloggedShare: param('Float64', 0.05, 'Alert when more than this share of a team\'s requests has no prompt log…', z.number().min(0).max(1)),
    maxPValue: param('Float64', 0.001, '…and the one-sided binomial p-value of that many unlogged requests at that share is at most this.', z.number().gt(0).max(1)),
    minRequests: param('UInt32', 20, 'An hour with fewer team model requests is judged on the team\'s day so far (hours roll up to the day).'),
    maxDelaySeconds: param('UInt32', 3600, 'A log is late when it arrived this much later than the pipeline\'s typical delay.'),
    minLateRequests: param('UInt32', 5, 'Minimum late requests for a late-logs alert; also the minimum rows for a team to set the pipeline delay.'),
    maxVolumeRatio: param('Float64', 0.1, 'Collapse: requests in the window at most this fraction of the baseline median…'),
    maxCollapsePValue: param('Float64', 0.001, '…and at most this Poisson probability of so few requests at the baseline median.', z.number().gt(0).max(1)),
    minAgentRequests: param('UInt32', 5, 'Claude Code api_request events that show a team still working.'),
    minBillingTokens: param('UInt64', 10000, 'Provider-billed tokens that show a team still working.'),
  },
  // One query evaluates a day of windows (src/detect/define-detector.ts, batch); window_end below is
  // the end of the window a row belongs to: the windows tile [from, to) (lookback = every).
  batch: true,
  query: sql`
    WITH
      toIntervalSecond({lookback:UInt32}) AS lookback,
      arrayMap(k -> {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * k + {lookback:UInt32}),
               range(toUInt32((dateDiff('second', {from:DateTime64(3)}, {to:DateTime64(3)}) - {lookback:UInt32}) / {every:UInt32} + 1))) AS window_ends,
      -- windows as the hourly roll-ups give them: hour -> its window's index / end (windows are whole hours)
      toUInt32(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, hour), 0), {every:UInt32})) AS hour_k,
      -- From the delay histogram per hour and log team (0011_gateway_logging_rollup.sql), per window (by index):
      -- .1 the pipeline's own delay, the lowest per-log-team median delay (0 when no team has enough rows);
      -- .2 the (window index, log team) pairs with a request later than the window's late threshold (pipeline delay +
      --    maxDelaySeconds), known only now: only their raw requests are read to count late requests (late below).
      -- The median as quantileExact(0.5) takes it: the value of rank floor(n / 2) (0-based), here walked up the sorted
      -- histogram to the first delay whose running count exceeds floor(n / 2). Not re-aggregated per delay first (a
      -- million-key GROUP BY): rows of one delay not yet merged sort next to each other, and the walk lands on the same delay.
      (SELECT (arrayMap(k -> m[k], range(length(window_ends))), late) FROM (
         SELECT mapFromArrays(groupArray(k), groupArray(delay)) AS m, arrayFlatten(groupArray(late_teams)) AS late FROM (
           SELECT k, minIf(med, total >= {minLateRequests:UInt32}) AS delay,
             arrayMap(t -> (k, t.1), arrayFilter(t -> t.2 > delay + {maxDelaySeconds:UInt32} * 1000, groupArray((team_id, longest)))) AS late_teams
           FROM (
             SELECT hour_k AS k, team_id, sum(requests) AS total, max(delay_ms) AS longest, arraySort(groupArray((delay_ms, requests))) AS hist,
               arrayFirst(x -> x.2 > intDiv(total, 2), arrayZip(arrayMap(x -> x.1, hist), arrayCumSum(arrayMap(x -> x.2, hist)))).1 AS med
             FROM gateway_delays_hourly
             WHERE hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
             GROUP BY k, team_id)
           GROUP BY k))) AS delays,
      delays.1 AS pipeline_delays,
      delays.2 AS late_team_windows,
      -- The windows' requests per log team, key and person, from the logging roll-up (0011_gateway_logging_rollup.sql).
      -- A key's alias is the one on its earliest request in the window (deterministic, unlike any()); unlogged samples
      -- are the three earliest per group.
      logged AS (
        SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (hour_k + 1)) AS window_end, team_id, api_key_id, user_email,
          sum(requests) AS n, sum(model_requests) AS n_model, sum(unlogged_prompts) AS n_unlogged,
          sum(unlogged_responses) AS n_unlogged_responses, max(max_delay_ms) AS n_max_delay_ms, min(first_at) AS n_first, max(last_at) AS n_last,
          groupUniqArray(gateway) AS n_gateways, min(first_alias).2 AS key_alias,
          arrayMap(x -> (team_id, x.1, x.2), groupArraySortedMerge(3)(unlogged_first)) AS unlogged_ids
        FROM gateway_logging_hourly
        WHERE hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
        GROUP BY window_end, team_id, api_key_id, user_email
      ),
      -- Late requests, counted on the raw requests of the (window, log team) pairs that have one (late_team_windows; none
      -- on a normal day), read by primary key: those log teams over those windows' time range.
      late AS (
        SELECT window_end, team_id, api_key_id, user_email, count() AS n_late,
          groupArraySorted(3)((team_id, event_time, request_id)) AS late_ids
        FROM (
          SELECT team_id, api_key_id, user_email, request_id, event_time,
            toUInt32(intDiv(dateDiff('second', {from:DateTime64(3)}, event_time), {every:UInt32})) AS k,
            {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (k + 1)) AS window_end,
            toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time) AS delay_ms
          FROM gateway_requests
          WHERE team_id IN (SELECT arrayJoin(late_team_windows).2)
            AND event_time >= {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * arrayMin(arrayMap(w -> w.1, late_team_windows)))
            AND event_time < least({to:DateTime64(3)}, {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * arrayMax(arrayMap(w -> w.1, late_team_windows)) + {lookback:UInt32}))
            AND (k, team_id) IN (SELECT arrayJoin(late_team_windows)))
        WHERE delay_ms > pipeline_delays[k + 1] + {maxDelaySeconds:UInt32} * 1000
        GROUP BY window_end, team_id, api_key_id, user_email
      ),
      current AS (
        SELECT g.*, l.n_late AS n_late, l.late_ids AS late_ids
        FROM logged AS g
        LEFT JOIN late AS l ON l.window_end = g.window_end AND l.team_id = g.team_id AND l.api_key_id = g.api_key_id AND l.user_email = g.user_email
      ),
      history AS (
        -- the same hours on each of the previous 7 days, from the hourly roll-up (0011_gateway_logging_rollup.sql): an hour
        -- counts for the window that holds it d = 1..7 days later, if it is in [toStartOfHour(window start - d days), window
        -- end - d days) as a window alone would read it; one range over the days keeps the primary key in use
        SELECT window_end, intDiv(toUnixTimestamp64Milli(window_end) - 1 - toUnixTimestamp64Milli(toDateTime64(hour, 3)), 86400000) AS days_back,
          team_id, api_key_id, user_email, sum(requests) AS n
        FROM gateway_logging_hourly
        ARRAY JOIN arrayDistinct(arrayMap(c -> c.2, arrayFilter(
            c -> c.2 <= {to:DateTime64(3)} AND hour >= toStartOfHour(c.2 - lookback - toIntervalDay(c.1)) AND hour < c.2 - toIntervalDay(c.1),
            arrayMap(d -> (d, {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, hour + toIntervalDay(d)), 0), {every:UInt32}) + 1))),
                     range(1, 8))))) AS window_end
        WHERE hour >= toStartOfHour({from:DateTime64(3)} - toIntervalDay(7)) AND hour < {to:DateTime64(3)} - toIntervalDay(1)
        GROUP BY window_end, days_back, team_id, api_key_id, user_email
      ),
      keys AS (SELECT api_key_id, any(team_id) AS team_id FROM policy_gateway_keys WHERE api_key_id != '' GROUP BY api_key_id),
      -- per window and person, the latest membership overlapping the window
      members AS (
        SELECT window_end, email, argMax(team_id, valid_from) AS team_id FROM policy_team_members
        ARRAY JOIN window_ends AS window_end
        WHERE valid_from < window_end AND valid_to > window_end - lookback
        GROUP BY window_end, email
      ),
      -- per window and team, kept as a constant: its three sample ids per kind are all the raw records read. Made
      -- deterministic (whatever order the groups arrive in): sorted gateways and keys, the earliest samples, ties of the
      -- top unlogged key broken by alias.
      (SELECT groupArray((team, requests, model_requests, unlogged, unlogged_responses, late, max_delay_ms, first_request, last_request,
                          gateways, unlogged_keys, top_unlogged_key, unlogged_ids, late_ids, window_end)) FROM (
        SELECT c.window_end AS window_end, multiIf(a.team_id != '', a.team_id, k.team_id != '', k.team_id, m.team_id) AS team,
          sum(c.n) AS requests, sum(c.n_model) AS model_requests, sum(c.n_unlogged) AS unlogged, sum(c.n_unlogged_responses) AS unlogged_responses,
          sum(c.n_late) AS late, max(c.n_max_delay_ms) AS max_delay_ms, min(c.n_first) AS first_request, max(c.n_last) AS last_request,
          arraySort(groupUniqArrayArray(c.n_gateways)) AS gateways,
          arraySort(groupUniqArrayIf(c.key_alias, c.n_unlogged > 0 AND c.key_alias != '')) AS unlogged_keys,
          argMaxIf(c.key_alias, (c.n_unlogged, c.key_alias), c.n_unlogged > 0) AS top_unlogged_key,
          -- the three earliest of the groups' samples, by (event time, request id, log team): a top-3 over the elements,
          -- not a sort of every group's samples
          arrayMap(x -> (x.3, x.1, x.2), groupArraySortedArray(3)(arrayMap(x -> (x.2, x.3, x.1), c.unlogged_ids))) AS unlogged_ids,
          arrayMap(x -> (x.3, x.1, x.2), groupArraySortedArray(3)(arrayMap(x -> (x.2, x.3, x.1), c.late_ids))) AS late_ids
        FROM current AS c
        LEFT JOIN policy_team_aliases AS a ON a.alias = lower(c.team_id)
        LEFT JOIN keys AS k ON k.api_key_id = c.api_key_id
        LEFT JOIN members AS m ON m.window_end = c.window_end AND m.email = c.user_email
        GROUP BY window_end, team)) AS cur_rows,
      cur AS (
        SELECT r.1 AS team, r.2 AS requests, r.3 AS model_requests, r.4 AS unlogged, r.5 AS unlogged_responses, r.6 AS late,
          r.7 AS max_delay_ms, r.8 AS first_request, r.9 AS last_request, r.10 AS gateways, r.11 AS unlogged_keys,
          r.12 AS top_unlogged_key, r.13 AS unlogged_ids, r.14 AS late_ids, r.15 AS window_end
        FROM (SELECT arrayJoin(cur_rows) AS r)
      ),
      -- per window and team, kept as a constant (used twice: the baseline itself and which teams' samples to read)
      (SELECT groupArray((window_end, team, baseline_days)) FROM (
        -- baseline_days ordered by days back
        SELECT window_end, team, arrayMap(x -> x.2, arraySort(groupArray((days_back, n)))) AS baseline_days FROM (
          SELECT h.window_end AS window_end, multiIf(a.team_id != '', a.team_id, k.team_id != '', k.team_id, m.team_id) AS team,
            h.days_back AS days_back, sum(h.n) AS n
          FROM history AS h
          LEFT JOIN policy_team_aliases AS a ON a.alias = lower(h.team_id)
          LEFT JOIN keys AS k ON k.api_key_id = h.api_key_id
          LEFT JOIN members AS m ON m.window_end = h.window_end AND m.email = h.user_email
          GROUP BY window_end, team, days_back)
        GROUP BY window_end, team)) AS hist_rows,
      hist AS (SELECT r.1 AS window_end, r.2 AS team, r.3 AS baseline_days FROM (SELECT arrayJoin(hist_rows) AS r)),
      -- The day so far of each window (the hours of its UTC day up to its end), per team: what a thin hour is judged on.
      -- From the day's start, so a window alone reads what it reads in a batch. The team is the log team's alias, else the
      -- key's team, else the person's membership in the window: only the last depends on the window, so each hour is
      -- reduced to (team) or, without one, (person) before it is spread over the windows of its day (an hour is in up to
      -- 24); spreading every (log team, key, person) row first was half of this detector's time at 10 M.
      day_logged AS (
        SELECT window_end, static_team, email, sum(n_model) AS n_model, sum(n_unlogged) AS n_unlogged
        FROM (
          SELECT g.hour AS hour, multiIf(a.team_id != '', a.team_id, k.team_id != '', k.team_id, '') AS static_team,
            if(static_team = '', g.user_email, '') AS email, sum(g.model_requests) AS n_model, sum(g.unlogged_prompts) AS n_unlogged
          FROM gateway_logging_hourly AS g
          LEFT JOIN policy_team_aliases AS a ON a.alias = lower(g.team_id)
          LEFT JOIN keys AS k ON k.api_key_id = g.api_key_id
          WHERE g.hour >= toStartOfDay({from:DateTime64(3)}) AND g.hour < {to:DateTime64(3)}
          GROUP BY hour, static_team, email)
        ARRAY JOIN arrayFilter(e -> hour < e AND toStartOfDay(hour) = toStartOfDay(e - lookback), window_ends) AS window_end
        GROUP BY window_end, static_team, email
      ),
      day_so_far AS (
        SELECT d.window_end AS window_end, if(d.static_team != '', d.static_team, m.team_id) AS team,
          sum(d.n_model) AS day_model_requests, sum(d.n_unlogged) AS day_unlogged
        FROM day_logged AS d
        LEFT JOIN members AS m ON m.window_end = d.window_end AND m.email = d.email
        GROUP BY window_end, team
      ),
      -- (window, team) pairs whose baseline can raise stopped-logging: evaluate()'s expected volume, the median of the
      -- BASELINE_DAYS = 7 days (a day without requests a zero), is at least -ln(maxCollapsePValue), below which even no
      -- request at all is not significant (P(0) = e^-median). Only their agent and billing samples are read (each costs
      -- a granule of raw events or usage records).
      arrayMap(r -> (r.1, r.2), arrayFilter(r -> arraySort(arrayResize(r.3, 7, 0))[4] >= -log({maxCollapsePValue:Float64}), hist_rows)) AS baseline_teams,
      agent AS (
        -- sample sessions: the two smallest ids
        SELECT e.window_end AS window_end, if(m.team_id != '', m.team_id, a.team_id) AS team, sum(e.n) AS agent_requests,
          sum(e.sessions) AS agent_sessions, arraySlice(arraySort(arrayFlatten(groupArray(e.sample_sessions))), 1, 2) AS sample_sessions
        FROM (
          SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, hour), 0), {every:UInt32}) + 1)) AS window_end,
            user_email, team_id, sum(events) AS n, uniqExact(session_id) AS sessions, arraySlice(arraySort(groupUniqArray(session_id)), 1, 2) AS sample_sessions
          FROM agent_hourly
          WHERE event_name = 'api_request' AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
          GROUP BY window_end, user_email, team_id) AS e
        LEFT JOIN members AS m ON m.window_end = e.window_end AND m.email = e.user_email
        LEFT JOIN policy_team_aliases AS a ON a.alias = lower(e.team_id)
        GROUP BY window_end, team
      ),
      usage AS (
        -- billing booked to a team: a team-scoped gateway credential, a Bedrock requestMetadata team, the caller's membership;
        -- samples: the two earliest records
        SELECT u.window_end AS window_end, u.provider AS provider, u.user_email AS user_email, u.team_id AS team_id, any(u.tokens) AS tokens,
          any(u.samples) AS samples,
          anyIf(c.team_id, c.team_id != '' AND (c.api_key_id = '' OR c.api_key_id = u.api_key_id)
            AND (c.workspace_id = '' OR c.workspace_id = u.workspace_id)
            AND (c.principal_pattern = '' OR match(u.principal, c.principal_pattern))) AS credential_team
        FROM (
          SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, hour), 0), {every:UInt32}) + 1)) AS window_end,
            provider, api_key_id, workspace_id, principal, user_email, team_id,
            arrayMap(r -> (provider, api_key_id, r.1, r.2, r.3), groupArraySorted(2)(first_record)) AS samples,
            sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS tokens
          FROM provider_hourly
          WHERE kind IN ('usage', 'invocation') AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
          GROUP BY window_end, provider, api_key_id, workspace_id, principal, user_email, team_id) AS u
        LEFT JOIN policy_credentials AS c ON c.provider = u.provider
        GROUP BY u.window_end, u.provider, u.api_key_id, u.workspace_id, u.principal, u.user_email, u.team_id
      ),
      billing AS (
        SELECT u.window_end AS window_end, multiIf(u.credential_team != '', u.credential_team, a.team_id != '', a.team_id, m.team_id) AS team,
          sum(u.tokens) AS billing_tokens, arraySort(groupUniqArray(u.provider)) AS billing_providers,
          arraySlice(arraySort(x -> (x.3, x.1, x.2, x.4, x.5), arrayFlatten(groupArray(u.samples))), 1, 2) AS billing_samples
        FROM usage AS u
        LEFT JOIN policy_team_aliases AS a ON a.alias = lower(u.team_id)
        LEFT JOIN members AS m ON m.window_end = u.window_end AND m.email = u.user_email
        GROUP BY window_end, team
      ),
      -- raw requests only for the samples an alert shows: a team's unlogged samples when the hour's share is above the
      -- threshold (evaluate() then tests whether it is significant, on the hour or the day so far), late samples when
      -- evaluate() raises late-logs (each sample read costs a granule of the raw JSON)
      gateway_samples AS (
        SELECT mapFromArrays(groupArray(k), groupArray(raw)) AS raws FROM (
          SELECT toString((team_id, event_time, request_id)) AS k, any(raw) AS raw FROM gateway_requests
          WHERE (team_id, event_time, request_id) IN (SELECT arrayJoin(arrayFlatten(arrayMap(r -> arrayConcat(
              if(r.4 > 0 AND r.4 / r.3 > {maxUnloggedShare:Float64}, r.13, []),
              if(r.6 >= {minLateRequests:UInt32}, r.14, [])), cur_rows))))
          GROUP BY k)
      ),
      billing_raws AS (
        SELECT mapFromArrays(groupArray(k), groupArray(raw)) AS raws FROM (
          SELECT toString((provider, api_key_id, event_time, source_offset, record_index)) AS k, any(raw) AS raw FROM provider_usage
          WHERE (provider, api_key_id, event_time, source_offset, record_index) IN (
            SELECT arrayJoin(billing_samples) FROM billing WHERE has(baseline_teams, (window_end, team)))
          GROUP BY k)
      ),
      agent_samples AS (
        -- per window and sampled session, its first model request in the window
        SELECT mapFromArrays(groupArray(k), groupArray(raw)) AS raws FROM (
          SELECT concat(toString({from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(dateDiff('second', {from:DateTime64(3)}, event_time), {every:UInt32}) + 1))),
                        '|', session_id) AS k,
            argMin(raw, event_time) AS raw FROM agent_events
          WHERE session_id IN (SELECT arrayJoin(sample_sessions) FROM agent WHERE has(baseline_teams, (window_end, team)))
            AND event_name = 'api_request'
            AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
          GROUP BY k)
      )
    SELECT t.window_end AS window_end, t.team AS team, p.name AS team_name, p.owner_email AS owner,
      t.requests AS requests, t.model_requests AS model_requests, t.unlogged AS unlogged, t.unlogged_responses AS unlogged_responses, t.late AS late,
      t.max_delay_ms AS max_delay_ms, pipeline_delays[indexOf(window_ends, t.window_end)] AS pipeline_delay_ms,
      t.first_request AS first_request, t.last_request AS last_request,
      t.gateways AS gateways, t.unlogged_keys AS unlogged_keys, t.top_unlogged_key AS top_unlogged_key,
      arrayMap(id -> gs.raws[toString(id)], t.unlogged_ids) AS unlogged_samples, arrayMap(id -> gs.raws[toString(id)], t.late_ids) AS late_samples,
      t.baseline_days AS baseline_days,
      ag.agent_requests AS agent_requests, ag.agent_sessions AS agent_sessions,
      arrayMap(s -> asm.raws[concat(toString(t.window_end), '|', s)], ag.sample_sessions) AS agent_samples,
      bl.billing_tokens AS billing_tokens, bl.billing_providers AS billing_providers,
      arrayFilter(x -> x != '', arrayMap(p -> br.raws[toString(p)], bl.billing_samples)) AS billing_samples,
      ds.day_model_requests AS day_model_requests, ds.day_unlogged AS day_unlogged
    FROM (
      SELECT if(c.team != '', c.window_end, h.window_end) AS window_end, if(c.team != '', c.team, h.team) AS team,
        c.requests AS requests, c.model_requests AS model_requests, c.unlogged AS unlogged,
        c.unlogged_responses AS unlogged_responses, c.late AS late, c.max_delay_ms AS max_delay_ms,
        c.first_request AS first_request, c.last_request AS last_request, c.gateways AS gateways,
        c.unlogged_keys AS unlogged_keys, c.top_unlogged_key AS top_unlogged_key, c.unlogged_ids AS unlogged_ids,
        c.late_ids AS late_ids, h.baseline_days AS baseline_days
      FROM cur AS c FULL OUTER JOIN hist AS h ON h.window_end = c.window_end AND h.team = c.team) AS t
    LEFT JOIN agent AS ag ON ag.window_end = t.window_end AND ag.team = t.team
    LEFT JOIN billing AS bl ON bl.window_end = t.window_end AND bl.team = t.team
    LEFT JOIN policy_teams AS p ON p.team_id = t.team
    LEFT JOIN day_so_far AS ds ON ds.window_end = t.window_end AND ds.team = t.team
    CROSS JOIN gateway_samples AS gs
    CROSS JOIN agent_samples AS asm
    CROSS JOIN billing_raws AS br
    WHERE t.team != ''
    ORDER BY window_end, team
  `,
  evaluate(rows: LogGapRow[], { params }) {
    return findLogGaps(rows, params);
  },
  alert(r: LogGapRow, ctx) {
    return logGapAlert(r, ctx.params, ctx.window);
  },
});
