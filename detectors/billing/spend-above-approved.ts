import { z } from 'zod';
import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { findSpendOverruns, spendAlert, type SpendRow } from '../_shared/spend-findings.ts';

/**
 * Team spend against what the policy approves, and against the team's own history.
 *
 * Spend of a team on a day = (a) the cost the gateways logged for the team's requests (LiteLLM
 * spend / Kong usage.cost; team from the policy gateway key, else the logged team alias, else the
 * user's membership on that day), plus (b) direct provider usage — Anthropic / OpenAI usage
 * reports and Bedrock logs on credentials the policy does NOT list as gateway-held — attributed to
 * a person (Bedrock role session e-mail, or the Claude account id named by agent telemetry) and
 * so to their team, priced at list prices (usage reports carry no cost). Usage on gateway-held
 * credentials is not added: the gateway already logged it (cross-source.unreconciled-spend covers
 * the difference). Billed cost rows (cost reports) name no person and are not attributed.
 *
 * Findings, each an alert: day-to-date spend or tokens above the daily budget in force (UTC day);
 * month-to-date above the monthly budget (UTC month); and day-to-date spend above the team's
 * baseline by a robust z-score (median / MAD of the previous days) that is also a multiple of the
 * median (minRiseRatio): floors relative to the team's own history, so a 5-person team whose day
 * rises from a $1.17 median to $4.68 is judged like a large one; the absolute minDailyUsd is a
 * noise floor of a dollar, not a size floor (issue 14: it was $25, more than a small team's day) — unless the
 * policy approved an increase in that period (an effective-from entry raising a limit), which makes
 * the rise visible as approved rather than anomalous. Cumulative spend only grows, so testing the
 * day so far against full-day thresholds never fires early by mistake.
 *
 * Reads the roll-ups (0010_rollups.sql: gateway_daily / gateway_hourly, provider_hourly,
 * agent_accounts), so a run costs the same whether the month holds one day or thirty; raw records
 * are read by primary key for the samples only. The tests over those rows and the alerts they raise
 * are in _shared/spend-findings.ts.
 */

export default defineDetector({
  id: 'billing.spend-above-approved',
  title: 'Team spend above its approved budget or its own baseline',
  description:
    'Per team: gateway-logged cost plus direct provider usage on non-gateway credentials attributed to team members ' +
    '(priced at list prices), day-to-date against the daily budget in force, month-to-date against the monthly budget, ' +
    'and against the team\'s own daily baseline (robust z-score, median/MAD, at least a multiple of the median; only pennies are below ' +
    'the noise floor, so a team at ~$1/day is judged as well as one at $1,000/day) unless the ' +
    'policy approved an increase in that period.',
  severity: 'medium',
  audience: 'finops',
  // Hourly, on the day so far: a runaway agent is caught the same day. Late billing re-runs the hour.
  schedule: { every: '1h', lookback: '1h', settle: '15m', recheck: '24h' },
  // Regular runs wait for the gateway's data past the window (a backlog); early looks alert as it lands (detectors/README.md).
  requires: ['gateway'],
  controls: {
    owaspAgentic: ['ASI08'],
    maestro: ['L5', 'L6'],
    nistAiRmf: ['GOVERN 1.6', 'MEASURE 2.7', 'MANAGE 2.4'],
    nistCsf: ['DE.CM-09', 'DE.AE-03', 'GV.RM-03'],
  },
  runbook:
    'Read the figures: gateway vs direct spend, the budget in force (and the one it replaced), the baseline median and ' +
    'z-score, and the top spenders. Ask the team owner whether the rise is planned work. If it is, record it as a new ' +
    'budget entry with an effective-from date and a note (the ticket) — that is what "approved" means here, and it ' +
    'silences the baseline check. If not, look at the top spender\'s sessions (gateway samples) for a looping agent or ' +
    'an expensive model, cap the gateway key budget (LiteLLM max_budget), and check direct usage with ' +
    'billing.unmanaged-key-usage.',
  falsePositives: [
    'Planned bursts (migrations, evaluations) approved informally but not yet entered as a budget entry in the policy.',
    'A person who changed teams without a membership date in the policy: their spend lands on the old team.',
    'List prices overstate direct usage under contract discounts or batch pricing.',
    'The first weeks of a new team, until minBaselineDays of history exist (the baseline check stays silent then).',
  ],
  params: {
    overBudgetRatio: param('Float64', 1, 'Fire when spend exceeds this multiple of the budget in force.'),
    baselineDays: param('UInt32', 28, 'Days of history before the day used as the baseline.'),
    minBaselineDays: param('UInt32', 7, 'Days of history (since the first day with spend) needed for the baseline check.'),
    zThreshold: param('Float64', 3.5, 'Robust z-score (spend − median) / (1.4826 · MAD) that counts as a rise.', z.number().positive()),
    minRiseRatio: param('Float64', 1.5, 'The day must also reach this multiple of the baseline median: the floor that scales with the team\'s own history.', z.number().min(1)),
    minDailyUsd: param('Float64', 1, 'Noise floor, not a size floor: no baseline alert for a day below this spend (a 5-person team at ~$1/day is judged).', z.number().min(0)),
    identityLookbackDays: param('UInt32', 30, 'How far back agent telemetry is searched to name a Claude account id.'),
  },
  // One query evaluates a day of windows (src/detect/define-detector.ts, batch); window_end below is
  // the end of the window a row belongs to. Each window reads its UTC day so far (the window's day
  // up to its end) and the whole days before it (month, baseline): the history is computed once per
  // day of the batch, the day so far once per window.
  batch: true,
  // Day-to-date spend only grows against thresholds fixed before the day (budgets, the previous days' baseline): the
  // open hour is judged as its rows land, so a runaway is raised within a tick of crossing, not after the hour's settle.
  early: true,
  query: sql`
    WITH
      arrayMap(k -> {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * k + {lookback:UInt32}),
               range(toUInt32(intDiv(dateDiff('second', {from:DateTime64(3)}, {to:DateTime64(3)}) - {lookback:UInt32}, {every:UInt32}) + 1))) AS window_ends,
      -- a window's day: the UTC day of its start
      arrayDistinct(arrayMap(e -> toDateTime64(toStartOfDay(e - toIntervalSecond({lookback:UInt32})), 3, 'UTC'), window_ends)) AS day_starts,
      -- what a window reads, cut in slices (part, key, [lo, hi)): part 0, per day of the batch, the whole days before
      -- it back to the start of its month or baselineDays; part 1, per window, its day up to the window end
      arrayConcat(
        arrayMap(d -> (0, d, least(toDateTime64(toStartOfMonth(d), 3, 'UTC'), d - toIntervalDay({baselineDays:UInt32})), d), day_starts),
        arrayMap(e -> (1, e, toDateTime64(toStartOfDay(e - toIntervalSecond({lookback:UInt32})), 3, 'UTC'), e), window_ends)) AS slices,
      arrayMin(arrayMap(s -> s.3, slices)) AS scan_from,
      (SELECT groupArray((provider, api_key_id, workspace_id, principal_pattern)) FROM policy_credentials WHERE credential_id != '') AS credentials,
      members AS (SELECT email, groupArray((valid_from, valid_to, team_id)) AS spans FROM policy_team_members GROUP BY email),
      keys AS (SELECT api_key_id, any(team_id) AS team_id, any(owner_email) AS owner FROM policy_gateway_keys WHERE api_key_id != '' GROUP BY api_key_id),
      gw AS (
        -- roll-ups (0010_rollups.sql): whole days before the batch's days (gateway_daily), at their day; the batch's
        -- hours (gateway_hourly), at the start of their window (the hours of the first window's day before it, at its start).
        -- first_at: the time of the earliest request of the hours, a sample pointer with the logged team (none for days;
        -- a time, not the first_request tuple: no request id string to carry through the aggregation)
        SELECT hourly, day, at, team_id, api_key_id, user_email, sum(cost_usd) AS usd, sum(tokens) AS tokens, min(first_at) AS first_at
        FROM (
          SELECT 0 AS hourly, day, toDateTime64(day, 3, 'UTC') AS at, team_id, api_key_id, user_email, cost_usd, tokens,
                 toDateTime64(0, 3, 'UTC') AS first_at
          FROM gateway_daily WHERE day >= toDate(scan_from) AND day < toDate(arrayMax(day_starts))
          UNION ALL
          SELECT 1, toDate(hour),
                 {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, hour), 0), {every:UInt32})),
                 team_id, api_key_id, user_email, cost_usd, tokens, first_request.1
          FROM gateway_hourly WHERE hour >= arrayMin(day_starts) AND hour < {to:DateTime64(3)})
        GROUP BY hourly, day, at, team_id, api_key_id, user_email
      ),
      gw_team AS (
        SELECT g.hourly AS hourly, g.day AS day, g.at AS at, g.usd AS usd, g.tokens AS tokens, (g.first_at, toString(g.team_id)) AS first,
               if(k.owner != '', k.owner, g.user_email) AS who,
               multiIf(k.team_id != '', k.team_id, a.team_id != '', a.team_id,
                       arrayFilter(span -> span.1 <= toDateTime64(g.day, 3) AND toDateTime64(g.day, 3) < span.2, m.spans)[1].3) AS team
        FROM gw AS g
        LEFT JOIN keys AS k ON k.api_key_id = g.api_key_id
        LEFT JOIN policy_team_aliases AS a ON a.alias = lower(g.team_id)
        LEFT JOIN members AS m ON m.email = g.user_email
        WHERE team != ''
      ),
      gw_slices AS (
        -- each person's rows (keys merged: nothing below needs the key) read once, then summed into every slice they
        -- fall in: a day into the history of the batch day(s) it precedes, a window's hours into that window and the
        -- later ones of its day (rather than every hour copied into every later window). One row per (slice, team,
        -- day, person), so the top spenders below need no map keyed by person.
        -- (times sorted: a slice is the index range [lo, hi) of its times, cut with arraySlice — the same elements
        -- in the same order as filtering them, without a lambda per slice)
        SELECT s.1 AS part, s.2 AS slice, team, day, s.1 = 1 AND day = toDate(s.2 - toIntervalSecond({lookback:UInt32})) AS today,
               who, arraySum(arraySlice(usds, s.5 + 1, s.6 - s.5)) AS usd,
               arraySum(arraySlice(tokenss, s.5 + 1, s.6 - s.5)) AS tokens, first
        FROM (
          -- first: (time, logged team) of the person's earliest request of the day; it lies in their earliest hour, which every non-empty
          -- slice of the day so far (from the start of the day) contains, so it needs no per-slice cut
          SELECT hourly, team, day, who, arraySort(groupArray((at, usd, tokens))) AS times,
                 arrayMap(x -> x.1, times) AS ats, arrayMap(x -> x.2, times) AS usds, arrayMap(x -> x.3, times) AS tokenss,
                 min(first) AS first
          FROM gw_team GROUP BY hourly, team, day, who)
        ARRAY JOIN arrayFilter(s -> s.6 > s.5,
                               arrayMap(s -> (s.1, s.2, s.3, s.4, toUInt32(arrayCount(t -> t < s.3, ats)), toUInt32(arrayCount(t -> t < s.4, ats))),
                                        arrayFilter(s -> s.1 = hourly, slices))) AS s
      ),
      usage AS (
        -- direct usage, not gateway-held (the rule of billing.unmanaged-key-usage), per slice, day and model;
        -- provider_hourly's sums are signed (0029: a restated export is cancelled), a whole group's never below 0
        SELECT s.1 AS part, s.2 AS slice, toDate(hour) AS day, provider, api_key_id, workspace_id, principal, account_id, user_email, model,
               toUInt64(greatest(sum(uncached_input_tokens), 0)) AS uncached, toUInt64(greatest(sum(cache_read_tokens), 0)) AS cache_read,
               toUInt64(greatest(sum(cache_write_tokens), 0)) AS cache_write, toUInt64(greatest(sum(output_tokens), 0)) AS output,
               -- the earliest record pointer of the window's day: the same whatever order the roll-up is read in
               groupArraySortedIf(1)(first_record, s.1 = 1) AS sample_refs
        FROM provider_hourly ARRAY JOIN arrayFilter(s -> hour >= s.3 AND hour < s.4, slices) AS s
        WHERE kind IN ('usage', 'invocation') AND hour >= scan_from AND hour < {to:DateTime64(3)}
        GROUP BY part, slice, day, provider, api_key_id, workspace_id, principal, account_id, user_email, model
        HAVING NOT ((provider = 'bedrock' OR api_key_id != '')
                    AND arrayExists(c -> c.1 = provider AND (c.2 = '' OR c.2 = api_key_id) AND (c.3 = '' OR c.3 = workspace_id)
                                         AND (c.4 = '' OR match(principal, c.4)), credentials))
      ),
      direct AS (
        -- per window: the history slice of its day and its own day so far (a person is named per window below)
        SELECT window_end, day, provider, api_key_id, account_id, user_email, model, uncached, cache_read, cache_write, output, sample_refs
        FROM usage
        ARRAY JOIN if(part = 1, [slice], arrayFilter(e -> toStartOfDay(e - toIntervalSecond({lookback:UInt32})) = slice, window_ends)) AS window_end
      ),
      accounts AS (
        -- per window: the account's latest telemetry identity in [window start - identityLookbackDays, window end)
        SELECT window_end, account_id, argMax(user_email, last_at) AS email FROM agent_accounts
        ARRAY JOIN arrayFilter(e -> hour >= toStartOfHour(e - toIntervalSecond({lookback:UInt32}) - toIntervalDay({identityLookbackDays:UInt32})) AND hour < e,
                               window_ends) AS window_end
        WHERE account_id IN (SELECT account_id FROM provider_hourly WHERE account_id != '' AND hour >= scan_from AND hour < {to:DateTime64(3)})
          AND user_email != ''
          AND hour >= toStartOfHour({from:DateTime64(3)} - toIntervalDay({identityLookbackDays:UInt32})) AND hour < {to:DateTime64(3)}
        GROUP BY window_end, account_id
      ),
      direct_team AS (
        SELECT d.window_end AS window_end, d.day AS day, d.provider AS provider, d.api_key_id AS api_key_id, d.model AS model,
               d.uncached AS uncached, d.cache_read AS cache_read, d.cache_write AS cache_write, d.output AS output, d.sample_refs AS sample_refs,
               d.day = toDate(d.window_end - toIntervalSecond({lookback:UInt32})) AS today,
               if(d.user_email != '', d.user_email, a.email) AS who,
               arrayFilter(span -> span.1 <= toDateTime64(d.day, 3) AND toDateTime64(d.day, 3) < span.2, m.spans)[1].3 AS team
        FROM direct AS d
        LEFT JOIN accounts AS a ON a.window_end = d.window_end AND a.account_id = d.account_id
        LEFT JOIN members AS m ON m.email = if(d.user_email != '', d.user_email, a.email)
      ),
      -- Per team and slice, one pass over each source, kept as constants (a handful of teams): nothing below is computed twice.
      -- Gateway: the daily series; the window's day's spend per person, of which the top three are the top spenders
      -- (sorted by person first: ties keep the same order whatever order the rows arrive in); and the samples.
      -- Samples: the team's two earliest requesters of the day so far, the first request of each (gateway_hourly
      -- first_request times with the logged team; gw_samples reads them by primary key). Deterministic, the same in every window of the day once the team has spent (so the
      -- same whether a window runs alone or in a batch), a request that counts toward the day's spend, and both from
      -- the first minutes of the team's day: a granule or two of gateway_requests (primary key (team_id, event_time)),
      -- where each window's costliest requests would be scattered over the day.
      (SELECT groupArray((part, slice, team, points, top_spenders, picks)) FROM (
         SELECT part, slice, team,
                sumMap([day], [usd], [tokens], [toUInt64(1)]) AS by_day,
                arrayMap((d, u, k) -> (toString(d), 'gateway', '', round(u, 4), k, toUInt64(0), toUInt64(0), toUInt64(0), toUInt64(0)),
                         by_day.1, by_day.2, by_day.3) AS points,
                arraySlice(arrayReverseSort(x -> x.2, arrayMap(x -> (x.1, round(x.2, 2)), arraySort(groupArrayIf((who, usd), today)))), 1, 3)
                  AS top_spenders,
                groupArraySortedIf(2)(first, today AND first.1 > 0) AS picks
         FROM gw_slices GROUP BY part, slice, team)) AS gw_teams,
      -- Direct usage, per window: the daily series per model (priced in evaluate), the day's identities and sample pointers
      -- (series and identities sorted: the same whatever order the rows arrive in).
      (SELECT groupArray((window_end, team, points, identities, refs)) FROM (
         SELECT window_end, team,
                arraySort(groupArray((toString(day), 'direct', model, toFloat64(0), tokens_d, uncached_d, cache_read_d, cache_write_d, output_d))) AS points,
                arraySort(groupUniqArrayArray(whos)) AS identities, groupArrayArray(refs_today) AS refs
         FROM (
           SELECT window_end, team, day, model, sum(uncached + cache_read + cache_write + output) AS tokens_d, sum(uncached) AS uncached_d,
                  sum(cache_read) AS cache_read_d, sum(cache_write) AS cache_write_d, sum(output) AS output_d,
                  groupUniqArrayIf(who, today) AS whos,
                  groupArrayArrayIf(arrayMap(r -> (provider, api_key_id, r.1, r.2, r.3), sample_refs), today) AS refs_today
           FROM direct_team WHERE team != '' GROUP BY window_end, team, day, model)
         GROUP BY window_end, team)) AS direct_teams,
      -- (event_time, logged team, team, window_end, rank)
      arrayFlatten(arrayMap(g -> arrayMap((p, i) -> (p.1, p.2, g.3, g.2, i), g.6, arrayEnumerate(g.6)), gw_teams)) AS gw_picks,
      arrayFlatten(arrayMap(x -> arrayMap(r -> (r.1, r.2, r.3, r.4, r.5, x.2, x.1), x.5), direct_teams)) AS direct_picks,
      grid AS (
        SELECT window_end, toDateTime64(toStartOfDay(window_end - toIntervalSecond({lookback:UInt32})), 3, 'UTC') AS day_start
        FROM (SELECT arrayJoin(window_ends) AS window_end)
      ),
      gw_history AS (SELECT g.2 AS day_start, g.3 AS team, g.4 AS points FROM (SELECT arrayJoin(gw_teams) AS g) WHERE g.1 = 0),
      gw_today AS (SELECT g.2 AS window_end, g.3 AS team, g.4 AS points, g.5 AS top_spenders FROM (SELECT arrayJoin(gw_teams) AS g) WHERE g.1 = 1),
      direct_today AS (SELECT x.1 AS window_end, x.2 AS team, x.3 AS points, x.4 AS identities FROM (SELECT arrayJoin(direct_teams) AS x)),
      gw_samples AS (
        -- raw by primary key (team_id, event_time) for the picked requests only (a handful, the same in every window
        -- of a day), earliest first; of requests logged in the same millisecond, the lowest request id (as first_request)
        SELECT p.c.4 AS window_end, p.c.3 AS team, arrayMap(x -> x.2, arraySort(groupArray((p.c.5, r.raw)))) AS samples
        FROM (SELECT arrayJoin(gw_picks) AS c) AS p
        INNER JOIN (
          SELECT team_id, event_time, argMin(raw, request_id) AS raw FROM gateway_requests
          WHERE (team_id, event_time) IN (SELECT c.2, c.1 FROM (SELECT arrayJoin(gw_picks) AS c))
          GROUP BY team_id, event_time
        ) AS r ON r.team_id = p.c.2 AND r.event_time = p.c.1
        GROUP BY window_end, team
      ),
      direct_samples AS (
        -- the window's day's two earliest direct records of the team
        SELECT p.r.7 AS window_end, p.r.6 AS team, arraySlice(arrayMap(x -> x.2, arraySort(groupArray(((p.r.3, p.r.4, p.r.5, p.r.1, p.r.2), u.raw)))), 1, 2) AS samples
        FROM (SELECT arrayJoin(direct_picks) AS r) AS p
        INNER JOIN (
          SELECT provider, api_key_id, event_time, source_offset, record_index, any(raw) AS raw FROM provider_usage
          WHERE (provider, api_key_id, event_time, source_offset, record_index) IN (SELECT r.1, r.2, r.3, r.4, r.5 FROM (SELECT arrayJoin(direct_picks) AS r))
          GROUP BY provider, api_key_id, event_time, source_offset, record_index
        ) AS u ON u.provider = p.r.1 AND u.api_key_id = p.r.2 AND u.event_time = p.r.3 AND u.source_offset = p.r.4 AND u.record_index = p.r.5
        GROUP BY window_end, team
      ),
      budget AS (
        -- The entry in force at the window end; a tuple, so NULL limits are kept (no limit), not skipped.
        SELECT window_end, team_id,
               argMax((daily_usd, monthly_usd, daily_tokens, monthly_tokens, previous_daily_usd, previous_monthly_usd, note), effective_from) AS b,
               max(effective_from) AS budget_from
        FROM policy_budgets ARRAY JOIN arrayFilter(e -> effective_from < e, window_ends) AS window_end
        GROUP BY window_end, team_id
      ),
      changes AS (
        -- Approved increases taking effect within the baseline period: the rise is approved, not anomalous.
        SELECT window_end, team_id, argMax(note, effective_from) AS change_note, max(effective_from) AS change_from
        FROM policy_budgets
        ARRAY JOIN arrayFilter(e -> effective_from >= toStartOfDay(e - toIntervalSecond({lookback:UInt32})) - toIntervalDay({baselineDays:UInt32})
                                    AND effective_from < e, window_ends) AS window_end
        WHERE ifNull(daily_usd, 0) > ifNull(previous_daily_usd, 0) OR ifNull(monthly_usd, 0) > ifNull(previous_monthly_usd, 0)
        GROUP BY window_end, team_id
      )
    SELECT w.window_end AS window_end, t.team_id AS team, t.owner_email AS owner, toString(toDate(w.day_start)) AS day,
           arrayConcat(gh.points, gt.points, dt.points) AS series,
           tupleElement(b.b, 1) AS daily_usd, tupleElement(b.b, 2) AS monthly_usd, tupleElement(b.b, 3) AS daily_tokens,
           tupleElement(b.b, 4) AS monthly_tokens, tupleElement(b.b, 5) AS previous_daily_usd,
           tupleElement(b.b, 6) AS previous_monthly_usd, tupleElement(b.b, 7) AS budget_note, toString(b.budget_from) AS budget_from,
           c.change_note AS change_note, if(c.team_id != '', toString(c.change_from), '') AS change_from,
           gt.top_spenders AS top_spenders, dt.identities AS direct_identities,
           arrayFilter(r -> r != '', arrayConcat(gs.samples, ds.samples)) AS samples
    FROM policy_teams AS t
    CROSS JOIN grid AS w
    LEFT JOIN gw_history AS gh ON gh.day_start = w.day_start AND gh.team = t.team_id
    LEFT JOIN gw_today AS gt ON gt.window_end = w.window_end AND gt.team = t.team_id
    LEFT JOIN direct_today AS dt ON dt.window_end = w.window_end AND dt.team = t.team_id
    LEFT JOIN budget AS b ON b.window_end = w.window_end AND b.team_id = t.team_id
    LEFT JOIN changes AS c ON c.window_end = w.window_end AND c.team_id = t.team_id
    LEFT JOIN gw_samples AS gs ON gs.window_end = w.window_end AND gs.team = t.team_id
    LEFT JOIN direct_samples AS ds ON ds.window_end = w.window_end AND ds.team = t.team_id
    WHERE notEmpty(gh.points) OR notEmpty(gt.points) OR notEmpty(dt.points)
    ORDER BY window_end, team
  `,
  evaluate(rows: SpendRow[], { params }) {
    return findSpendOverruns(rows, params);
  },
  alert: spendAlert,
});
