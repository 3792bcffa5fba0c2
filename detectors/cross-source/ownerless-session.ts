import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * Agent activity that cannot be tied to a named human owner. Three kinds, each its own entity:
 *
 *  - session: Claude Code telemetry whose events carry no `user.email` / `enduser.id` (API-key,
 *    gateway-token and Bedrock auth only fill `user.id`, formats.md §8), and whose gateway
 *    requests (same session id, ± tolerance) have no gateway user e-mail and a virtual key the
 *    policy gives no owner (gatewayKeys), and whose ids name no person the IdP knows (the OTel
 *    `user.id` is the IdP subject on apps-gateway sessions; LiteLLM SSO users have the IdP subject
 *    as user_id).
 *  - credential: gateway requests outside any telemetry session on a virtual key with no policy
 *    owner and no user — a shared or service key nobody answers for. One per key and day.
 *  - service principal: a workload identity (Entra servicePrincipal / managedIdentity sign-ins, Okta
 *    non-User actors such as OAuth service apps) that is an AI workload — its app is listed under
 *    aiApps, or the gateway received requests from its sign-in address in the window — and has no
 *    policy-declared human owner. The policy has no owner field for apps, so an owner is declared
 *    with a gatewayKeys entry whose keyAlias is the app id, client id or display name.
 *
 * Team: OTel `team.id` alias, else the gateway team (LiteLLM key team / Kong consumer custom_id),
 * else for workloads the team the aiApps entry approves it for, else ''. Accountable identity: the
 * owner of that team in the policy, else ''.
 *
 * Reads the hourly roll-ups (0010_rollups.sql: agent_hourly, gateway_sessions_hourly, agent_session_starts);
 * the raw tables only for the unnamed sessions' gateway requests in the hours a window's tolerance cuts, and for samples.
 */

interface Row {
  kind: 'session' | 'credential' | 'service_principal';
  entity: string;
  first_at: string;
  last_at: string;
  activity: number;
  gateway_requests: number;
  tokens: number;
  cost_usd: number;
  label: string;
  credentials: string[];
  addresses: string[];
  otel_team: string;
  team: string;
  team_owner: string;
  started: string;
  samples: string[];
}

export default defineDetector({
  id: 'cross-source.ownerless-session',
  title: 'Agent activity with no named human owner',
  description:
    'Agent sessions whose telemetry has no user e-mail and whose gateway key has no owner, gateway keys with no owner ' +
    'and no user, and service principals calling AI apps or the gateway without a policy-declared human owner: ' +
    'activity nobody is accountable for. One alert per session, per key and day, per workload and day.',
  severity: 'medium',
  audience: 'soc',
  schedule: { every: '1h', lookback: '1h', settle: '15m', maxWait: '2h', recheck: '24h' },
  // Ownership of a session is read from its gateway requests; wait for them like session-without-gateway.
  requires: ['gateway'],
  controls: {
    owaspAgentic: ['ASI03', 'ASI10'],
    maestro: ['L6', 'L7'],
    nistAiRmf: ['GOVERN 1.6', 'GOVERN 2.1', 'MAP 3.5'],
    nistCsf: ['PR.AA-01', 'GV.RR-02', 'DE.CM-03'],
  },
  runbook:
    'Find who runs it. Session: use the install id, terminal and address in the evidence; ask the team owner; then make ' +
    'the identity visible (managed settings OTEL_RESOURCE_ATTRIBUTES=enduser.id=<email>, or per-person gateway keys). ' +
    'Credential: look the key up in LiteLLM (/key/info: created_by, team) or Kong (consumer), assign an owner in the ' +
    'policy gatewayKeys or revoke it. Service principal: find the app registration / Okta service app owner, then declare ' +
    'the owner as a gatewayKeys entry (keyAlias = app id or name) or disable the workload credential.',
  falsePositives: [
    'CI and batch jobs that are owned in practice but not yet declared in the policy (declare them in gatewayKeys).',
    'Developers on API-key auth before managed settings inject enduser.id, when their gateway key is in the policy the session is owned.',
    'A workload sharing a NAT address with the gateway clients is linked to their traffic by address.',
  ],
  params: {
    toleranceSeconds: param('UInt32', 600, 'Gateway requests this far around the window still count for its sessions.'),
    idpLookbackDays: param('UInt32', 30, 'How far back IdP events are searched to resolve a user id to a person.'),
    minActivity: param('UInt32', 1, 'Ignore a session / key / workload with fewer events, requests or sign-ins.'),
  },
  // One query evaluates a day of windows (src/detect/define-detector.ts, batch); window_end below is
  // the end of the window a row belongs to: the windows tile [from, to) (lookback = every).
  batch: true,
  query: sql`
    WITH
      toIntervalSecond({lookback:UInt32}) AS lookback,
      toIntervalSecond({toleranceSeconds:UInt32}) AS tolerance,
      toIntervalDay({idpLookbackDays:UInt32}) AS idp_lookback,
      toUInt32(dateDiff('second', {from:DateTime64(3)}, {to:DateTime64(3)}) / {every:UInt32}) AS windows,
      people AS (
        -- IdP user ids seen with an e-mail, and when: a window knows the person if one of these falls in
        -- [window start - idpLookbackDays, window end). Before the batch only the latest time matters.
        SELECT actor_id,
               arrayConcat(if(countIf(event_time < {from:DateTime64(3)}) > 0, [maxIf(event_time, event_time < {from:DateTime64(3)})], []),
                           arraySort(groupUniqArrayIf(event_time, event_time >= {from:DateTime64(3)}))) AS seen
        FROM idp_events
        WHERE actor_type = 'user' AND actor_email != '' AND actor_id != ''
          AND event_time >= {from:DateTime64(3)} - idp_lookback AND event_time < {to:DateTime64(3)}
        GROUP BY actor_id
      ),
      owned_keys AS (
        SELECT api_key_id AS k, any(owner_email) AS owner FROM policy_gateway_keys WHERE api_key_id != '' GROUP BY k
        UNION ALL
        SELECT key_alias, any(owner_email) FROM policy_gateway_keys WHERE api_key_id = '' AND key_alias != '' GROUP BY key_alias
      ),
      -- Agent sessions per window with no e-mail on any event, from the hourly roll-up (0010_rollups.sql), computed once:
      -- their gateway traffic, start and raw samples are looked up by session below.
      (SELECT groupArray((session_id, s_first, s_last, s_events, s_tokens, s_cost, install_id, otel_team, terminals, window_end)) FROM (
        SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, hour), 0), {every:UInt32}) + 1)) AS window_end,
               session_id, min(first_at) AS s_first, max(last_at) AS s_last, sum(events) AS s_events, sum(tokens) AS s_tokens,
               round(sum(cost_usd), 4) AS s_cost, anyIf(user_id, user_id != '') AS install_id,
               anyIf(team_id, team_id != '') AS otel_team, groupUniqArrayIf(3)(terminal_type, terminal_type != '') AS terminals
        FROM agent_hourly
        WHERE session_id != '' AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
        GROUP BY window_end, session_id
        HAVING sumIf(events, user_email != '') = 0 AND s_events >= {minActivity:UInt32})) AS unnamed,
      arrayDistinct(arrayMap(x -> x.1, unnamed)) AS unnamed_ids,
      sessions AS (
        SELECT x.10 AS window_end, x.1 AS session_id, x.2 AS first_at, x.3 AS last_at, x.4 AS events, x.5 AS tokens, x.6 AS cost_usd,
               x.7 AS install_id, x.8 AS otel_team, x.9 AS terminals
        FROM (SELECT arrayJoin(unnamed) AS x)
      ),
      -- Their gateway requests within the tolerance around each window. Scanning gateway_requests for a few sessions reads
      -- the session_id of every request of the day (10 M at scale); gateway_sessions_hourly (0010_rollups.sql, ordered by
      -- hour and session) has them per hour instead. A session's roll-up rows are paired with every window whose range
      -- [window start - tolerance, window end + tolerance) they touch; an hour of a session whose rows all lie within that
      -- range (by first/last request) counts whole, and only an hour the range cuts (at the window's edges) is counted from
      -- its raw requests, read by primary key for those teams and minutes only.
      session_hours AS (
        SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * k + {lookback:UInt32}) AS window_end, *
        FROM (
          SELECT hour, session_id, api_key_id, api_key_alias, user_email, team_id, user_id, client_ip, requests, first_at, last_at
          FROM gateway_sessions_hourly
          WHERE session_id IN (SELECT arrayJoin(unnamed_ids))
            AND hour >= toStartOfHour({from:DateTime64(3)} - tolerance) AND hour < {to:DateTime64(3)} + tolerance)
        ARRAY JOIN range(toUInt32(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, first_at) - {lookback:UInt32} - {toleranceSeconds:UInt32} - 1, 0), {every:UInt32})),
                         toUInt32(least(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, last_at) + {toleranceSeconds:UInt32} + 1, 0), {every:UInt32}), windows - 1) + 1)) AS k
        WHERE last_at >= window_end - lookback - tolerance AND first_at < window_end + tolerance
      ),
      -- (window, session, hour) whose requests the window's range may cut, computed once, with the (team, minute) slices of
      -- gateway_requests that hold their requests within the range
      (SELECT groupArray((window_end, session_id, hour)) FROM (
        SELECT window_end, session_id, hour FROM session_hours GROUP BY window_end, session_id, hour
        HAVING min(first_at) < window_end - lookback - tolerance OR max(last_at) >= window_end + tolerance)) AS cut_hours,
      (SELECT groupUniqArrayArray(arrayMap(i -> (team_id, toStartOfMinute(lo + toIntervalMinute(i))), range(toUInt32(dateDiff('minute', lo, hi) + 1))))
       FROM (SELECT team_id, greatest(first_at, window_end - lookback - tolerance) AS lo, least(last_at, window_end + tolerance) AS hi
             FROM session_hours WHERE has(cut_hours, (window_end, session_id, hour)))) AS cut_minutes,
      session_gw AS (
        SELECT window_end, session_id, sum(n) AS requests,
               sumIf(n, user_email != '' OR api_key_id IN (SELECT k FROM owned_keys) OR api_key_alias IN (SELECT k FROM owned_keys)) AS owned_requests,
               groupUniqArrayIf(3)(if(api_key_alias != '', api_key_alias, api_key_id), api_key_id != '' OR api_key_alias != '') AS keys,
               anyIf(user_id, user_id != '') AS gw_user, anyIf(team_id, team_id != '') AS gw_team,
               groupUniqArrayIf(3)(client_ip, client_ip != '') AS ips
        FROM (
          -- hours within the range: their roll-up rows, whole
          SELECT window_end, session_id, requests AS n, user_email, api_key_id, api_key_alias, user_id, team_id, client_ip
          FROM session_hours WHERE NOT has(cut_hours, (window_end, session_id, hour))
          UNION ALL
          -- hours the range cuts: their raw requests within the range, each fanned out to the windows whose range it falls in
          SELECT window_end, session_id, 1, user_email, api_key_id, api_key_alias, user_id, team_id, client_ip
          FROM (
            SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * k + {lookback:UInt32}) AS window_end, *
            FROM (
              SELECT session_id, event_time, user_email, api_key_id, api_key_alias, user_id, team_id, client_ip
              FROM gateway_requests
              WHERE (team_id, toStartOfMinute(event_time)) IN (SELECT arrayJoin(cut_minutes))
                AND session_id IN (SELECT arrayJoin(arrayMap(x -> x.2, cut_hours)))  -- a hash set: a million rows are tested
                AND event_time >= {from:DateTime64(3)} - tolerance AND event_time < {to:DateTime64(3)} + tolerance)
            ARRAY JOIN range(toUInt32(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, event_time) - {lookback:UInt32} - {toleranceSeconds:UInt32}, 0), {every:UInt32})),
                             toUInt32(least(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, event_time) + {toleranceSeconds:UInt32}, 0), {every:UInt32}), windows - 1) + 1)) AS k
            WHERE event_time >= window_end - lookback - tolerance AND event_time < window_end + tolerance)
          WHERE has(cut_hours, (window_end, session_id, toStartOfHour(event_time))))
        GROUP BY window_end, session_id
      ),
      started AS (
        SELECT session_id, min(first_at) AS session_start FROM agent_session_starts WHERE has(unnamed_ids, session_id) GROUP BY session_id
      ),
      session_samples AS (
        -- agent_events is ordered by session_id: raw for these sessions' windows only; the first three (deterministic)
        SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(dateDiff('second', {from:DateTime64(3)}, event_time), {every:UInt32}) + 1)) AS window_end,
               session_id, arrayMap(x -> x.2, groupArraySorted(3)((event_time, raw))) AS samples
        FROM agent_events
        WHERE has(unnamed_ids, session_id) AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
        GROUP BY window_end, session_id
      ),
      agent_sessions AS (
        -- (window, session) with telemetry in [window start - tolerance, window end + tolerance): an hour bucket at an edge
        -- counts by its first/last event
        SELECT DISTINCT window_end, session_id FROM (
          SELECT session_id, {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * k + {lookback:UInt32}) AS window_end
          FROM agent_hourly
          ARRAY JOIN range(toUInt32(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, first_at - tolerance) - {lookback:UInt32}, 0), {every:UInt32})),
                           toUInt32(least(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, last_at + tolerance), 0), {every:UInt32}), windows - 1) + 1)) AS k
          WHERE session_id != ''
            AND hour >= toStartOfHour({from:DateTime64(3)} - tolerance) AND hour < {to:DateTime64(3)} + tolerance
            AND last_at >= window_end - lookback - tolerance AND first_at < window_end + tolerance)
      ),
      -- Gateway keys with no user and no owner outside any telemetry session, per window, from gateway_sessions_hourly; samples
      -- are the first request of the first three groups by time, read by primary key.
      (SELECT groupArray((gateway, key, alias, first_at, last_at, requests, tokens, cost_usd, gw_team, gw_user, ips, agents, refs, window_end)) FROM (
        SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, hour), 0), {every:UInt32}) + 1)) AS window_end,
               gateway, if(api_key_id != '', api_key_id, api_key_alias) AS key, any(api_key_alias) AS alias,
               min(first_at) AS first_at, max(last_at) AS last_at, sum(requests) AS requests, sum(tokens) AS tokens,
               round(sum(cost_usd), 4) AS cost_usd, anyIf(team_id, team_id != '') AS gw_team, anyIf(user_id, user_id != '') AS gw_user,
               groupUniqArrayIf(5)(client_ip, client_ip != '') AS ips, groupUniqArrayIf(3)(user_agent, user_agent != '') AS agents,
               arrayMap(r -> (r.2, r.1, r.3), groupArraySorted(3)(((first_request).1, team_id, (first_request).2))) AS refs
        FROM gateway_sessions_hourly
        WHERE hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)} AND user_email = ''
          AND NOT (api_key_id IN (SELECT k FROM owned_keys) OR api_key_alias IN (SELECT k FROM owned_keys))
          AND (window_end, session_id) NOT IN (SELECT window_end, session_id FROM agent_sessions)
        GROUP BY window_end, gateway, key
        HAVING requests >= {minActivity:UInt32})) AS unowned_keys,
      keys AS (
        SELECT x.14 AS window_end, x.1 AS gateway, x.2 AS key, x.3 AS alias, x.4 AS first_at, x.5 AS last_at, x.6 AS requests, x.7 AS tokens,
               x.8 AS cost_usd, x.9 AS gw_team, x.10 AS gw_user, x.11 AS ips, x.12 AS agents, x.13 AS refs
        FROM (SELECT arrayJoin(unowned_keys) AS x)
      ),
      -- each key's samples in refs order (missing or empty raws dropped), joined per pointer: a single map of every raw
      -- sample CROSS JOINed to the keys was copied into each of the ~300 credential rows (~480 raws each) before the lookup
      key_samples AS (
        SELECT s.window_end AS window_end, s.gateway AS gateway, s.key AS key,
               arrayMap(x -> x.2, arraySort(groupArray((s.i, r.raw)))) AS samples
        FROM (SELECT x.1 AS window_end, x.2 AS gateway, x.3 AS key, x.4 AS i, x.5 AS k
              FROM (SELECT arrayJoin(arrayFlatten(arrayMap(u -> arrayMap((r, i) -> (u.14, u.1, u.2, i, toString(r)), u.13, arrayEnumerate(u.13)),
                                                           unowned_keys))) AS x)) AS s
        INNER JOIN (
          SELECT toString((team_id, event_time, request_id)) AS k, any(raw) AS raw FROM gateway_requests
          WHERE (team_id, event_time, request_id) IN (SELECT arrayJoin(arrayFlatten(arrayMap(x -> x.13, unowned_keys))))
          GROUP BY k) AS r ON r.k = s.k
        WHERE r.raw != ''
        GROUP BY window_end, gateway, key
      ),
      workloads AS (
        SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(dateDiff('second', {from:DateTime64(3)}, event_time), {every:UInt32}) + 1)) AS window_end,
               idp, actor_id, any(actor_name) AS name,
               groupUniqArrayIf(3)(app_id, app_id != '') AS apps, min(event_time) AS first_at, max(event_time) AS last_at,
               count() AS signins, groupUniqArrayIf(5)(client_ip, client_ip != '') AS ips,
               arrayMap(x -> x.2, groupArraySorted(3)((event_time, raw))) AS samples
        FROM idp_events
        WHERE actor_type NOT IN ('user', 'system_principal', '') AND outcome IN ('success', 'allow') AND actor_id != ''
          AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
        GROUP BY window_end, idp, actor_id
        HAVING signins >= {minActivity:UInt32}
      ),
      workload_gw AS (
        SELECT w.window_end AS window_end, w.idp AS idp, w.actor_id AS actor_id, sum(g.requests) AS requests,
               anyIf(g.team_id, g.team_id != '') AS gw_team
        FROM (SELECT window_end, idp, actor_id, arrayJoin(ips) AS ip FROM workloads) AS w
        INNER JOIN (SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, hour), 0), {every:UInt32}) + 1)) AS window_end,
                           client_ip, team_id, requests
                    FROM gateway_sessions_hourly WHERE client_ip != ''
                      AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}) AS g
          ON g.window_end = w.window_end AND g.client_ip = w.ip
        GROUP BY window_end, idp, actor_id
      ),
      workload_apps AS (
        SELECT w.window_end AS window_end, w.idp AS idp, w.actor_id AS actor_id, any(a.team_ids) AS app_teams
        FROM (SELECT window_end, idp, actor_id, arrayJoin(arrayPushBack(apps, lower(name))) AS app FROM workloads) AS w
        INNER JOIN (SELECT idp, app_id AS app, team_ids FROM policy_ai_apps WHERE app_id != ''
                    UNION ALL SELECT idp, app_name, team_ids FROM policy_ai_apps WHERE app_name != '') AS a
          ON a.idp = w.idp AND a.app = w.app
        GROUP BY window_end, idp, actor_id
      ),
      declared AS (SELECT lower(key_alias) AS alias FROM policy_gateway_keys WHERE key_alias != ''),
      found AS (
        SELECT s.window_end AS window_end, 'session' AS kind, concat('session:', s.session_id) AS entity, s.first_at AS first_at,
               s.last_at AS last_at, toUInt64(s.events) AS activity, toUInt64(g.requests) AS gateway_requests, toUInt64(s.tokens) AS tokens,
               toFloat64(s.cost_usd) AS cost_usd, s.install_id AS label, g.keys AS credentials,
               arrayConcat(s.terminals, g.ips) AS addresses, s.otel_team AS otel_team,
               multiIf(ta.team_id != '', ta.team_id, tg.team_id) AS team,
               if(st.session_id != '', st.session_start, s.first_at) AS started, ss.samples AS samples
        FROM sessions AS s
        LEFT JOIN session_gw AS g ON g.window_end = s.window_end AND g.session_id = s.session_id
        LEFT JOIN session_samples AS ss ON ss.window_end = s.window_end AND ss.session_id = s.session_id
        LEFT JOIN started AS st ON st.session_id = s.session_id
        LEFT JOIN people AS pa ON pa.actor_id = s.install_id
        LEFT JOIN people AS pg ON pg.actor_id = g.gw_user
        LEFT JOIN policy_team_aliases AS ta ON ta.alias = lower(s.otel_team)
        LEFT JOIN policy_team_aliases AS tg ON tg.alias = lower(g.gw_team)
        -- no person known to the IdP in [window start - idpLookbackDays, window end) under either id
        WHERE g.owned_requests = 0
          AND NOT arrayExists(t -> t >= s.window_end - lookback - idp_lookback AND t < s.window_end, pa.seen)
          AND NOT arrayExists(t -> t >= s.window_end - lookback - idp_lookback AND t < s.window_end, pg.seen)
        UNION ALL
        SELECT k.window_end, 'credential', concat('credential:', k.gateway, ':', if(k.key != '', k.key, 'anonymous')), k.first_at, k.last_at,
               toUInt64(k.requests), toUInt64(k.requests), toUInt64(k.tokens), toFloat64(k.cost_usd), k.alias, [k.key],
               arrayConcat(k.ips, k.agents), '', t.team_id, k.first_at,
               ks.samples
        FROM keys AS k
        LEFT JOIN key_samples AS ks ON ks.window_end = k.window_end AND ks.gateway = k.gateway AND ks.key = k.key
        LEFT JOIN people AS p ON p.actor_id = k.gw_user
        LEFT JOIN policy_team_aliases AS t ON t.alias = lower(k.gw_team)
        WHERE NOT arrayExists(t -> t >= k.window_end - lookback - idp_lookback AND t < k.window_end, p.seen)
        UNION ALL
        SELECT w.window_end, 'service_principal', concat('service-principal:', w.idp, ':', w.actor_id), w.first_at, w.last_at,
               toUInt64(w.signins), toUInt64(g.requests), toUInt64(0), toFloat64(0), w.name, w.apps, w.ips, '',
               if(notEmpty(a.app_teams), a.app_teams[1], t.team_id), w.first_at, w.samples
        FROM workloads AS w
        LEFT JOIN workload_gw AS g ON g.window_end = w.window_end AND g.idp = w.idp AND g.actor_id = w.actor_id
        LEFT JOIN workload_apps AS a ON a.window_end = w.window_end AND a.idp = w.idp AND a.actor_id = w.actor_id
        LEFT JOIN policy_team_aliases AS t ON t.alias = lower(g.gw_team)
        WHERE (a.actor_id != '' OR g.requests > 0)
          AND lower(w.actor_id) NOT IN (SELECT alias FROM declared) AND lower(w.name) NOT IN (SELECT alias FROM declared)
          AND NOT hasAny(arrayMap(x -> lower(x), w.apps), (SELECT groupArray(alias) FROM declared))
      )
    SELECT f.window_end AS window_end, f.kind AS kind, f.entity AS entity, f.first_at AS first_at, f.last_at AS last_at, f.activity AS activity,
           f.gateway_requests AS gateway_requests, f.tokens AS tokens, f.cost_usd AS cost_usd, f.label AS label,
           f.credentials AS credentials, f.addresses AS addresses, f.otel_team AS otel_team, f.team AS team,
           pt.owner_email AS team_owner, f.started AS started, f.samples AS samples
    FROM found AS f
    LEFT JOIN policy_teams AS pt ON pt.team_id = f.team
    ORDER BY window_end, kind, first_at, entity
  `,
  alert(row: Row) {
    const owner = row.team ? `team ${row.team}${row.team_owner ? ` (owner ${row.team_owner})` : ''}` : 'no team';
    const usage = row.tokens > 0 ? `, ${row.tokens.toLocaleString('en-US')} tokens` : '';
    const what =
      row.kind === 'session'
        ? `Agent session ${row.entity.slice('session:'.length)} (install ${row.label.slice(0, 12) || 'unknown'}) made ${row.activity} ` +
          `telemetry event(s) and ${row.gateway_requests} gateway request(s)${row.credentials.length ? ` on ${row.credentials.join(', ')}` : ''}${usage} ` +
          'with no user e-mail, no key owner and no IdP-known person'
        : row.kind === 'credential'
          ? `Gateway key ${row.label || row.credentials[0] || 'anonymous'} made ${row.activity} request(s)${usage} outside any ` +
            'agent telemetry session with no user and no owner in the policy'
          : `Workload identity ${row.label || row.entity} signed in ${row.activity} time(s) as app ${row.credentials.join(', ') || 'unknown'}` +
            `${row.gateway_requests > 0 ? ` and its address sent ${row.gateway_requests} gateway request(s)` : ''} with no policy-declared human owner`;
    return {
      entity: row.entity,
      team: row.team,
      identity: row.team_owner,
      credential: row.kind === 'session' ? (row.credentials[0] ?? '') : row.kind === 'credential' ? row.label || (row.credentials[0] ?? '') : row.label,
      summary: `${what}; accountable: ${owner}.`,
      evidence: {
        figures: {
          kind: row.kind,
          firstSeen: row.first_at,
          lastSeen: row.last_at,
          [row.kind === 'session' ? 'agentEvents' : row.kind === 'credential' ? 'requests' : 'signIns']: row.activity,
          gatewayRequests: row.gateway_requests,
          tokens: row.tokens,
          costUsd: row.cost_usd,
          [row.kind === 'session' ? 'installId' : row.kind === 'credential' ? 'keyAlias' : 'workloadName']: row.label,
          credentials: row.credentials,
          [row.kind === 'session' ? 'terminalsAndAddresses' : row.kind === 'credential' ? 'addressesAndUserAgents' : 'addresses']: row.addresses,
          otelTeam: row.otel_team,
          teamOwner: row.team_owner,
        },
        samples: row.samples,
      },
      impactUsd: row.cost_usd > 0 ? row.cost_usd : null,
      ...utcDay(row.started),
    };
  },
});
