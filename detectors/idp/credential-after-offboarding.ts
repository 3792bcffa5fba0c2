import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * AI usage by a person, or on a credential the policy says the person owns, after the IdP
 * deactivated, suspended or locked them. Gateway virtual keys, provider keys and long-lived tokens
 * are not tied to the IdP session: offboarding the account does not revoke them.
 *
 * Disabled, per IdP (idp_events, formats.md §6–7):
 *  - Okta `user.lifecycle.deactivate`, `user.lifecycle.suspend`, `user.account.lock` on the target
 *    user (successful), until `user.lifecycle.activate|reactivate|unsuspend` / `user.account.unlock*`;
 *  - Entra: a sign-in refused with error 50057 (account disabled) shows the account disabled by
 *    then; a later successful sign-in shows it enabled again.
 * The state at each usage is the latest lifecycle event of that IdP at or before it (ASOF JOIN),
 * so a suspension that was lifted before the usage does not count, and an Entra sign-in does not
 * undo an Okta deactivation.
 *
 * Usage in the window (formats.md N6, lower-cased e-mail): gateway requests by the person (LiteLLM
 * user, Kong consumer) or on a virtual key the policy gives them (gatewayKeys), Claude Code
 * telemetry with their `user.email`, provider usage booked to them (Bedrock role session e-mail).
 * The hourly roll-ups (0010_rollups.sql) say whether, and in which agent sessions, any leaver
 * appears in the window; raw records are read only then.
 */

interface Row {
  email: string;
  first_usage: string;
  last_usage: string;
  usage_records: number;
  gateway_requests: number;
  agent_events: number;
  provider_usage: number;
  tokens: number;
  cost_usd: number;
  credentials: string[];
  first_credential: string;
  sources: string[];
  disabled_at: string;
  disabled_event: string;
  disabled_by: string;
  disabled_idp: string;
  disabled_raw: string;
  usage_samples: string[];
  team: string;
}

export default defineDetector({
  id: 'idp.credential-after-offboarding',
  title: 'AI usage after the IdP deactivated the owner',
  description:
    'Gateway requests, agent telemetry or provider usage by a person, or on a gateway key the policy says they own, after ' +
    'the IdP deactivated, suspended or locked them (Okta lifecycle events, Entra sign-ins refused with 50057): ' +
    'credentials that outlived offboarding. One alert per person and UTC day.',
  severity: 'critical',
  audience: 'soc',
  schedule: { every: '1h', lookback: '1h', settle: '15m', recheck: '48h' },
  // Regular runs wait for these sources' data past the window (a backlog, a delayed sign-in log); early looks alert as it lands.
  requires: ['idp'],
  controls: {
    owaspAgentic: ['ASI03'],
    maestro: ['L6', 'L4'],
    nistAiRmf: ['MEASURE 2.7', 'MANAGE 4.1'],
    nistCsf: ['PR.AA-01', 'PR.AA-05', 'GV.RR-04', 'DE.CM-03'],
  },
  runbook:
    'Treat as a possible compromised or retained credential. 1) Revoke now: every credential in the evidence (LiteLLM ' +
    '/key/block or /key/delete, Kong credential delete, Anthropic/OpenAI key disable, the AWS SSO permission set / ' +
    'role session), and refresh tokens in Okta/Entra. 2) Establish who used it: the samples show source address, user ' +
    'agent and session; compare with the former employee\'s last known devices. 3) Check what was sent (prompt-log ' +
    'metadata, models, tokens) for data exfiltration. 4) Fix the offboarding runbook so gateway keys are revoked with ' +
    'the IdP account (SCIM deprovisioning to LiteLLM / Kong), and remove the person from the policy.',
  falsePositives: [
    'A temporary suspension (e.g. leave) where usage by a still-valid token is expected — the reactivation was not logged.',
    'An Entra 50057 on one of two accounts of the same person (admin and regular account share an e-mail alias).',
    'A key reassigned to another person while the policy still names the leaver as owner (update gatewayKeys).',
  ],
  params: {
    lookbackDays: param('UInt32', 90, 'How far back IdP deactivations are searched (offboarding can predate misuse by months).'),
    graceSeconds: param('UInt32', 60, 'Usage this soon after the deactivation is treated as in flight and ignored.'),
  },
  // One query evaluates a day of windows (src/detect/define-detector.ts, batch); window_end below is
  // the end of the window a row belongs to: the windows tile [from, to) (lookback = every).
  // Usage after a deactivation stays usage after it, whatever else lands: looked at as the window's data arrives.
  early: true,
  batch: true,
  query: sql`
    WITH
      toIntervalSecond({lookback:UInt32}) AS window_length,
      -- Lifecycle events of all windows: [{from} - lookbackDays, {to}); a window sees those in [its start - lookbackDays,
      -- its end), which the violations below enforce. Read once, as a scalar (a few hundred events): as a CTE, each of the
      -- half-dozen references below (through disabled) would scan the lookbackDays of idp_events again.
      (SELECT groupArray((email, event_time, idp, state, event_type, actor, raw)) FROM (
        SELECT if(target_user_email != '', target_user_email, actor_email) AS email, event_time, idp,
               if(event_type IN ('user.lifecycle.deactivate', 'user.lifecycle.suspend', 'user.account.lock'), 'disabled', 'active') AS state,
               event_type, if(actor_email != '', actor_email, actor_name) AS actor, raw
        FROM idp_events
        WHERE idp = 'okta' AND outcome = 'success'
          AND (target_user_email != '' OR (event_type = 'user.account.lock' AND actor_email != ''))
          AND event_type IN ('user.lifecycle.deactivate', 'user.lifecycle.suspend', 'user.account.lock', 'user.lifecycle.activate',
                             'user.lifecycle.reactivate', 'user.lifecycle.unsuspend', 'user.account.unlock', 'user.account.unlock_by_admin')
          AND event_time >= {from:DateTime64(3)} - toIntervalDay({lookbackDays:UInt32}) AND event_time < {to:DateTime64(3)}
        UNION ALL
        SELECT actor_email, event_time, idp, if(outcome = 'failure', 'disabled', 'active'),
               if(outcome = 'failure', 'sign-in refused: 50057 account disabled', event_type), '', raw
        FROM idp_events
        WHERE idp = 'entra' AND actor_type = 'user' AND actor_email != ''
          AND (outcome = 'success' OR (outcome = 'failure' AND startsWith(outcome_reason, '50057')))
          -- idp_events is ordered by actor_email: only people Entra ever refused as disabled are read.
          AND actor_email IN (SELECT actor_email FROM idp_events WHERE idp = 'entra' AND outcome = 'failure'
                                AND startsWith(outcome_reason, '50057') AND event_time < {to:DateTime64(3)}
                                AND event_time >= {from:DateTime64(3)} - toIntervalDay({lookbackDays:UInt32}))
          AND event_time >= {from:DateTime64(3)} - toIntervalDay({lookbackDays:UInt32}) AND event_time < {to:DateTime64(3)}
      )) AS lifecycle_events,
      lifecycle AS (
        SELECT e.1 AS email, e.2 AS event_time, e.3 AS idp, e.4 AS state, e.5 AS event_type, e.6 AS actor, e.7 AS raw
        FROM (SELECT arrayJoin(lifecycle_events) AS e)
      ),
      -- disabled in some window (a superset for each window: a violation needs a disabled event the window sees)
      disabled AS (SELECT DISTINCT email, idp FROM lifecycle WHERE state = 'disabled'),
      leaver_keys AS (
        SELECT api_key_id, key_alias, owner_email FROM policy_gateway_keys WHERE owner_email IN (SELECT email FROM disabled)
      ),
      -- Who to look for, as constants: the leavers, their keys, and whether the hourly roll-ups (0010_rollups.sql) show any
      -- of them in the windows at all — usually not, and then no raw record is read. Matched with IN (a set), not has():
      -- a day's leaver sessions are too many to compare one by one with every row.
      (SELECT groupUniqArray(email) FROM disabled) AS leavers,
      -- No record before the earliest deactivation + graceSeconds can be a violation (violations below: at or after a
      -- disabled event + graceSeconds), so usage is read from there, not from {from}: an offboarding in the middle of the
      -- batch skips its first hours (gateway_requests is ordered by (team_id, event_time)). Empty lifecycle: 1970 -> {from}.
      greatest({from:DateTime64(3)},
               (SELECT min(event_time) FROM lifecycle WHERE state = 'disabled') + toIntervalSecond({graceSeconds:UInt32})) AS usage_from,
      (SELECT (groupArrayIf(api_key_id, api_key_id != ''), groupArrayIf(key_alias, api_key_id = '')) FROM leaver_keys) AS leaver_key_ids,
      (SELECT groupUniqArray(team_id) FROM gateway_hourly
       WHERE hour >= toStartOfHour(usage_from) AND hour < {to:DateTime64(3)}
         AND (user_email IN (SELECT arrayJoin(leavers)) OR has(leaver_key_ids.1, api_key_id) OR has(leaver_key_ids.2, api_key_alias))) AS leaver_teams,
      (SELECT groupUniqArray(session_id) FROM agent_hourly
       WHERE hour >= toStartOfHour(usage_from) AND hour < {to:DateTime64(3)} AND user_email IN (SELECT arrayJoin(leavers))) AS leaver_sessions,
      usage AS (
        SELECT arrayJoin(arrayDistinct(arrayFilter(x -> x != '' AND x IN (SELECT email FROM disabled),
                 [g.user_email, ki.owner_email, ka.owner_email]))) AS email,
               g.event_time AS event_time, 'gateway' AS source,
               concat(g.gateway, ':', if(g.api_key_alias != '', g.api_key_alias, g.api_key_id)) AS credential,
               g.uncached_input_tokens + g.cache_read_tokens + g.cache_write_tokens + g.output_tokens AS tokens, g.cost_usd AS cost_usd,
               concat('g/', g.source_topic, '/', toString(g.source_partition), '/', toString(g.source_offset), '/', toString(g.record_index)) AS rid,
               -- where its raw record is (by primary key), read only for the few samples at the end
               ('g', g.team_id, g.request_id, '') AS ptr
        FROM gateway_requests AS g
        LEFT JOIN (SELECT api_key_id, any(owner_email) AS owner_email FROM leaver_keys WHERE api_key_id != '' GROUP BY api_key_id) AS ki
          ON ki.api_key_id = g.api_key_id
        LEFT JOIN (SELECT key_alias, any(owner_email) AS owner_email FROM leaver_keys WHERE api_key_id = '' GROUP BY key_alias) AS ka
          ON ka.key_alias = g.api_key_alias
        -- gateway_requests is ordered by (team_id, event_time): only the logged teams the leavers appear under are read
        WHERE g.team_id IN (SELECT arrayJoin(leaver_teams)) AND g.event_time >= usage_from AND g.event_time < {to:DateTime64(3)}
          AND (g.user_email IN (SELECT arrayJoin(leavers)) OR has(leaver_key_ids.1, g.api_key_id) OR has(leaver_key_ids.2, g.api_key_alias))
        UNION ALL
        SELECT user_email, event_time, 'agent', if(account_id != '', concat('claude:', account_id), concat('install:', substring(user_id, 1, 12))),
               uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens, cost_usd,
               concat('a/', source_topic, '/', toString(source_partition), '/', toString(source_offset), '/', toString(record_index)),
               ('a', session_id, toString(event_sequence), '')
        FROM agent_events
        -- agent_events is ordered by session_id: only the leavers' sessions of the windows are read
        WHERE session_id IN (SELECT arrayJoin(leaver_sessions)) AND user_email IN (SELECT arrayJoin(leavers))
          AND event_time >= usage_from AND event_time < {to:DateTime64(3)}
        UNION ALL
        SELECT user_email, event_time, provider, concat(provider, ':', if(principal != '', principal, api_key_id)),
               uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens, cost_usd,
               concat('p/', source_topic, '/', toString(source_partition), '/', toString(source_offset), '/', toString(record_index)),
               ('p', provider, api_key_id, concat(toString(source_offset), '/', toString(record_index)))
        FROM provider_usage
        WHERE kind IN ('usage', 'invocation') AND user_email IN (SELECT arrayJoin(leavers))
          AND event_time >= usage_from AND event_time < {to:DateTime64(3)}
      ),
      violations AS (
        -- One row per usage record and IdP that had the person disabled at that moment, as its window sees it: the latest
        -- lifecycle event at or before the record is a deactivation, and not older than the window start - lookbackDays.
        SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, u.event_time), 0), {every:UInt32}) + 1)) AS window_end,
               u.email AS email, u.rid AS rid, u.event_time AS event_time, u.source AS source, u.credential AS credential,
               u.tokens AS tokens, u.cost_usd AS cost_usd, u.ptr AS ptr,
               (l.event_time, l.event_type, l.actor, l.idp, l.raw) AS deactivation
        FROM usage AS u
        INNER JOIN disabled AS d ON d.email = u.email
        ASOF INNER JOIN (SELECT * FROM lifecycle WHERE email IN (SELECT email FROM disabled)) AS l
          ON l.email = u.email AND l.idp = d.idp AND u.event_time >= l.event_time
        WHERE l.state = 'disabled' AND u.event_time >= l.event_time + toIntervalSecond({graceSeconds:UInt32})
          AND l.event_time >= window_end - window_length - toIntervalDay({lookbackDays:UInt32})
      ),
      records AS (
        -- A record flagged by two IdPs counts once, against the earlier deactivation.
        SELECT window_end, email, rid, any(event_time) AS event_time, any(source) AS source, any(credential) AS credential,
               any(tokens) AS tokens, any(cost_usd) AS cost_usd, any(ptr) AS ptr, min(deactivation) AS deactivation
        FROM violations
        GROUP BY window_end, email, rid
      ),
      -- per window and person, computed once: the raw records of their samples are read below. Ties and samples are
      -- broken by value and time, so a window's figures do not depend on the order rows were read in.
      -- Samples (four): the window's first violating record and the next ones from the same place in storage — the same
      -- gateway team log (gateway_requests is ordered by team and time), agent session or provider key — i.e. the start of
      -- the misuse as one run of consecutive records; when that run is shorter, the window's earliest other records fill
      -- up. raw is read granule by granule (1,024 rows each), so one run costs one or two granules, where the
      -- first four across sources and teams cost several.
      (SELECT groupArray((email, first_usage, last_usage, usage_records, gateway_requests, agent_events, provider_usage, tokens, cost_usd,
                          credentials, first_credential, sources, d, samples, window_end)) FROM (
        SELECT window_end, email, min(event_time) AS first_usage, max(event_time) AS last_usage, count() AS usage_records,
               countIf(source = 'gateway') AS gateway_requests, countIf(source = 'agent') AS agent_events,
               countIf(source NOT IN ('gateway', 'agent')) AS provider_usage, sum(tokens) AS tokens, round(sum(cost_usd), 4) AS cost_usd,
               arraySlice(arraySort(groupUniqArray(credential)), 1, 10) AS credentials, argMin(credential, (event_time, credential)) AS first_credential,
               arraySort(groupUniqArray(source)) AS sources, argMin(deactivation, (event_time, deactivation)) AS d,
               argMin(ptr_run, (event_time, ptr)) AS first_run,
               groupArraySortedMap(4)(map(ptr_run, (event_time, ptr)))[first_run] AS run_samples,
               arraySlice(arrayConcat(run_samples, arrayFilter(x -> NOT has(run_samples, x), groupArraySorted(4)((event_time, ptr)))), 1, 4) AS samples
        FROM (SELECT *, concat(ptr.1, '/', ptr.2, if(ptr.1 = 'p', concat('/', ptr.3), '')) AS ptr_run FROM records)
        GROUP BY window_end, email)) AS people_rows,
      arrayFlatten(arrayMap(p -> p.14, people_rows)) AS sample_ptrs,
      sample_raws AS (
        SELECT mapFromArrays(groupArray(k), groupArray(raw)) AS m FROM (
          SELECT toString((event_time, ('g', team_id, request_id, ''))) AS k, any(raw) AS raw FROM gateway_requests
          WHERE (team_id, event_time, request_id) IN (SELECT s.2.2, s.1, s.2.3 FROM (SELECT arrayJoin(sample_ptrs) AS s) WHERE s.2.1 = 'g')
          GROUP BY k
          UNION ALL
          SELECT toString((event_time, ('a', session_id, toString(event_sequence), ''))) AS k, any(raw) FROM agent_events
          WHERE (session_id, event_time, toString(event_sequence)) IN (SELECT s.2.2, s.1, s.2.3 FROM (SELECT arrayJoin(sample_ptrs) AS s) WHERE s.2.1 = 'a')
          GROUP BY k
          UNION ALL
          SELECT toString((event_time, ('p', provider, api_key_id, concat(toString(source_offset), '/', toString(record_index))))) AS k, any(raw)
          FROM provider_usage
          WHERE (provider, api_key_id, event_time, concat(toString(source_offset), '/', toString(record_index))) IN (
            SELECT s.2.2, s.2.3, s.1, s.2.4 FROM (SELECT arrayJoin(sample_ptrs) AS s) WHERE s.2.1 = 'p')
          GROUP BY k)
      ),
      people AS (
        SELECT p.15 AS window_end, p.1 AS email, p.2 AS first_usage, p.3 AS last_usage, p.4 AS usage_records, p.5 AS gateway_requests,
               p.6 AS agent_events, p.7 AS provider_usage, p.8 AS tokens, p.9 AS cost_usd, p.10 AS credentials, p.11 AS first_credential,
               p.12 AS sources, p.13 AS d, arrayMap(x -> sr.m[toString(x)], p.14) AS usage_samples
        FROM (SELECT arrayJoin(people_rows) AS p) AS x CROSS JOIN sample_raws AS sr
      ),
      -- memberships with their validity: the last team the person belonged to by the window end (membership usually ends
      -- at offboarding)
      teams AS (SELECT email, groupArray((valid_from, valid_to, team_id)) AS spans FROM policy_team_members GROUP BY email),
      key_teams AS (SELECT owner_email, any(team_id) AS team_id FROM policy_gateway_keys GROUP BY owner_email)
    SELECT p.window_end AS window_end, p.email AS email, p.first_usage AS first_usage, p.last_usage AS last_usage, p.usage_records AS usage_records,
           p.gateway_requests AS gateway_requests, p.agent_events AS agent_events, p.provider_usage AS provider_usage,
           p.tokens AS tokens, p.cost_usd AS cost_usd, p.credentials AS credentials, p.first_credential AS first_credential,
           p.sources AS sources, tupleElement(p.d, 1) AS disabled_at, tupleElement(p.d, 2) AS disabled_event,
           tupleElement(p.d, 3) AS disabled_by, tupleElement(p.d, 4) AS disabled_idp, tupleElement(p.d, 5) AS disabled_raw,
           p.usage_samples AS usage_samples,
           arrayReverseSort(span -> span.2, arrayFilter(span -> span.1 < p.window_end, t.spans)) AS spans_by_end,
           if(spans_by_end[1].3 != '', spans_by_end[1].3, k.team_id) AS team
    FROM people AS p
    LEFT JOIN teams AS t ON t.email = p.email
    LEFT JOIN key_teams AS k ON k.owner_email = p.email
    ORDER BY window_end, first_usage, email
  `,
  alert(row: Row) {
    const by = row.disabled_by ? ` by ${row.disabled_by}` : '';
    const counts = [
      row.gateway_requests ? `${row.gateway_requests} gateway request(s)` : '',
      row.agent_events ? `${row.agent_events} agent telemetry event(s)` : '',
      row.provider_usage ? `${row.provider_usage} provider usage record(s)` : '',
    ].filter(Boolean);
    const minutes = Math.round((Date.parse(`${row.first_usage.replace(' ', 'T')}Z`) - Date.parse(`${row.disabled_at.replace(' ', 'T')}Z`)) / 60_000);
    return {
      entity: `user:${row.email}`,
      team: row.team,
      identity: row.email,
      credential: row.first_credential,
      summary: `${row.email} was disabled in ${row.disabled_idp} (${row.disabled_event}${by}) at ${row.disabled_at} UTC, ` +
        `yet ${counts.join(', ')} followed (${row.tokens.toLocaleString('en-US')} tokens, first ${minutes} min later) ` +
        `on ${row.credentials.join(', ')}.`,
      evidence: {
        figures: {
          deactivatedAt: row.disabled_at,
          deactivationEvent: row.disabled_event,
          deactivatedBy: row.disabled_by,
          deactivationIdp: row.disabled_idp,
          firstUsageAfter: row.first_usage,
          lastUsageAfter: row.last_usage,
          minutesAfterDeactivation: minutes,
          usageRecords: row.usage_records,
          gatewayRequests: row.gateway_requests,
          agentEvents: row.agent_events,
          providerUsage: row.provider_usage,
          tokens: row.tokens,
          costUsd: row.cost_usd,
          credentials: row.credentials,
          sources: row.sources,
        },
        samples: [row.disabled_raw, ...row.usage_samples],
      },
      impactUsd: row.cost_usd > 0 ? row.cost_usd : null,
      ...utcDay(row.first_usage),
    };
  },
});
