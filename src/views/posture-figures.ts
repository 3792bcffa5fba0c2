import { POSTURE_POLICY_PARAMS } from './posture-policy.ts';
import { policyAt } from './policy-lookups.ts';
import { TEAM_FILTER, TEAM_LOOKUPS, agentTeam, gatewayTeam } from './team-sql.ts';

/**
 * The governance posture's figures per team over whole UTC days [from, to): is there one controlled
 * identity and data plane? posture-days.ts computes them one UTC day at a time and keeps them, so
 * [from, to) is one day here and a period's report merges its days. Each figure uses the
 * definition of the detector that alerts on it, so the console and the alerts agree, and reads
 * roll-ups, never raw rows: the per-day ones of 0025_console_rollups.sql where the detector's hourly
 * roll-up (0010_rollups.sql, 0011) has finer grain than a day needs (sessions, models, tools, prompt
 * logging), provider_hourly and agent_accounts otherwise. The policy is read at one version, and a
 * person's team is the membership in force on the day (policy-lookups.ts):
 *
 * - gatewayShare (cross-source.session-without-gateway): Claude Code sessions with model requests
 *   (agent_hourly api_request), and those whose session id an approved gateway logged
 *   (gateway_sessions_hourly, gateway kind in policy gateways) in the same UTC day. The detector
 *   allows ±10 minutes around its hourly window; a day is wider than that, so a session is judged
 *   per day, and counted once over the period (via a gateway if it was on a day it made requests).
 * - promptLogShare (gateway.prompt-log-gap, unlogged-prompts): gateway model requests (MCP tool
 *   calls carry no prompt) and those stored with their prompt (gateway_logging_hourly).
 * - ownerShare (cross-source.ownerless-session, session kind): agent events of sessions tied to a
 *   person — an e-mail on their telemetry, or gateway requests with a user e-mail or on a virtual
 *   key the policy gives an owner. (The detector also accepts an install id the IdP knows; that
 *   look-back over IdP events is left out here, so this share can only be lower.)
 * - models (gateway.routing-drift): requests per task class and served model; the class is the
 *   best-priority class whose tags, route, key alias or user agent patterns match; approved = the
 *   model matches the team's approved patterns for the class (the org-wide list for teams the
 *   policy does not know). Requests of no class are left out, as the detector leaves them.
 * - tools (cross-source.tool-scope-drift): agent tool / MCP server uses (the larger of a day's
 *   decisions and results: a call has one of each, a rejected call only a decision) and gateway MCP calls,
 *   against the team's approved tools and servers (case-insensitive patterns).
 * - unheldCredentials (billing.unmanaged-key-usage): provider usage on a credential no policy
 *   credential of that provider matches on every field it sets (keyless Console/OAuth usage never
 *   matches). Ids only: keys are stored as provider key ids or fingerprints at ingest. A Claude
 *   account is named by the e-mail its telemetry carried in the 30 days up to the day's end.
 */

const RANGE = `hour >= toDateTime({from:Date}) AND hour < toDateTime({to:Date})`;
const DAYS = `day >= {from:Date} AND day < {to:Date}`;

/**
 * Sessions per team (gateway and owner shares): each team's sessions with model requests and those an
 * approved gateway logged, as uniqExact states of their ids, so that a period made of several days
 * counts a session once; and the agent events of the team's sessions, with those tied to a person.
 */
export const SESSIONS_SQL = `
WITH ${TEAM_LOOKUPS}, ${POSTURE_POLICY_PARAMS},
  agent_days AS (
    SELECT day, session_id, sum(events) AS day_events, sum(agent_sessions_daily.api_requests) AS api_requests,
           argMaxIfMerge(agent_sessions_daily.email) AS email, argMaxIfMerge(agent_sessions_daily.otel_team) AS otel_team
    FROM agent_sessions_daily WHERE ${DAYS} GROUP BY day, session_id
  ),
  gateway_days AS (
    SELECT day, session_id, sumIf(requests, has(approved_gateways, toString(gateway))) AS approved_requests,
           sumIf(requests, has_email OR has(owned_keys, api_key_id) OR has(owned_keys, api_key_alias)) AS owned_requests
    FROM gateway_sessions_daily WHERE ${DAYS} GROUP BY day, session_id
  ),
  session_days AS (
    SELECT a.session_id AS session_id, ${agentTeam('a.email', 'a.otel_team')} AS team, a.day_events AS day_events,
           a.api_requests > 0 AS model_session, g.approved_requests > 0 AS via_gateway, a.email != '' OR g.owned_requests > 0 AS named
    FROM agent_days AS a LEFT JOIN gateway_days AS g ON g.day = a.day AND g.session_id = a.session_id
  )
SELECT team, uniqExactIfState(session_id, model_session) AS sessions, uniqExactIfState(session_id, model_session AND via_gateway) AS via,
       sum(day_events) AS events, sumIf(day_events, named) AS named
FROM session_days WHERE ${TEAM_FILTER} GROUP BY team
SETTINGS join_use_nulls = 0`;

/** Prompt logging per team: gateway model requests (MCP tool calls carry no prompt) and those stored with their prompt. */
export const PROMPTS_SQL = `
WITH ${TEAM_LOOKUPS}
SELECT ${gatewayTeam('api_key_id', 'team_id', 'user_email')} AS team, sum(n) AS requests, sum(n) - sum(unlogged) AS logged
FROM (SELECT team_id, api_key_id, user_email, sumIf(requests, empty(mcp_servers)) AS n, sum(unlogged_prompts) AS unlogged
      FROM gateway_console_daily WHERE ${DAYS} GROUP BY team_id, api_key_id, user_email)
GROUP BY team HAVING ${TEAM_FILTER}`;

/**
 * Served models per team and task class, judged against the approved routing. The task-class lists
 * and the class of a (tags, route, key alias, user agent) are a copy of gateway.routing-drift's: a
 * detector's SQL is the literal text of its file (the sql tag refuses `${}`, src/detect/sql.ts, and
 * test/detectors.meta.test.ts checks it), so the two cannot share a fragment.
 * posture-task-classes.test.ts runs both on the same requests and fails when they disagree.
 */
export const MODELS_SQL = `
WITH ${TEAM_LOOKUPS},
  ${POSTURE_POLICY_PARAMS},
  -- as routing-drift classifies (posture-policy.ts derives its lists): a combination's class is the best-ranked class with a match
  -- classify each (tags, route, alias, user agent) combination once, not every roll-up row, and join the rows to their
  -- class by the combination's hash: a join on the four columns cost more than the rest of the query, and a constant
  -- map looked up per row cost 3x this join on the 10 M-request day (a map's lookup scans its keys)
  combo_classes AS (SELECT combo, class_id FROM (
     SELECT cityHash64(tags, route, api_key_alias, user_agent) AS combo,
            -- a tag's best class: its first place in class_tags (classes are flattened in priority order)
            arrayConcat(arrayMap(i -> class_tags_rank[i], arrayFilter(i -> i > 0, arrayMap(t -> indexOf(class_tags, toString(t)), tags))),
                        arrayMap(j -> route_rank[j], multiMatchAllIndices(route, route_res)),
                        arrayMap(j -> alias_rank[j], multiMatchAllIndices(api_key_alias, alias_res)),
                        arrayMap(j -> agent_rank[j], multiMatchAllIndices(user_agent, agent_res))) AS hits,
            if(empty(hits), '', class_ids[arrayMin(hits)]) AS class_id
     FROM (SELECT DISTINCT tags, route, api_key_alias, user_agent FROM gateway_console_daily WHERE ${DAYS} AND model_served != ''))
   WHERE class_id != ''),
  -- grouped by what attributes a row first, so the team and class lookups run per distinct key, not per roll-up row
  used AS (
    SELECT ${gatewayTeam('g.api_key_id', 'g.team_id', 'g.user_email')} AS team, cc.class_id AS class_id, g.model AS model, sum(g.n) AS requests
    FROM (
      SELECT team_id, api_key_id, user_email, cityHash64(tags, route, api_key_alias, user_agent) AS combo, toString(model_served) AS model,
             sum(requests) AS n
      FROM gateway_console_daily WHERE ${DAYS} AND model_served != ''
      GROUP BY team_id, api_key_id, user_email, combo, model) AS g
    INNER JOIN combo_classes AS cc ON cc.combo = g.combo
    GROUP BY team, class_id, model
  ),
  approved AS (SELECT team_id, class_id, groupArray(model_pattern) AS patterns FROM ${policyAt('policy_models')} GROUP BY team_id, class_id)
SELECT u.team AS team, u.class_id AS task_class, u.model AS model, u.requests AS requests,
       arrayExists(p -> match(u.model, p), if(a.team_id != '', a.patterns, o.patterns)) AS approved
FROM used AS u
LEFT JOIN approved AS a ON a.team_id = u.team AND a.class_id = u.class_id
LEFT JOIN (SELECT class_id, patterns FROM approved WHERE team_id = '') AS o ON o.class_id = u.class_id
WHERE ${TEAM_FILTER}
ORDER BY team, task_class, requests DESC, model
SETTINGS join_use_nulls = 0`;

/** Tools and MCP servers per team (agent telemetry and gateway MCP calls), against the approved lists. */
export const TOOLS_SQL = `
WITH ${TEAM_LOOKUPS},
  approved AS (
    SELECT team_id, groupArrayIf(name_pattern, kind = 'tool') AS tool_patterns, groupArrayIf(name_pattern, kind = 'mcp_server') AS server_patterns
    FROM ${policyAt('policy_tools')} GROUP BY team_id
  ),
  used AS (
    SELECT team, kind, name, sum(part_uses) AS uses FROM (
      SELECT ${agentTeam('user_email', 'team_id')} AS team, if(mcp_server != '', 'mcp_server', 'tool') AS kind,
             if(mcp_server != '', mcp_server, tool_name) AS name, greatest(sum(results), sum(decisions)) AS part_uses
      FROM (SELECT user_email, team_id, mcp_server, tool_name, sum(results) AS results, sum(decisions) AS decisions
            FROM agent_tools_daily WHERE ${DAYS} GROUP BY user_email, team_id, mcp_server, tool_name)
      GROUP BY team, kind, name
      UNION ALL
      SELECT ${gatewayTeam('api_key_id', 'team_id', 'user_email')} AS team, 'mcp_server' AS kind, server AS name, sum(n) AS part_uses
      FROM (SELECT team_id, api_key_id, user_email, arrayJoin(mcp_servers) AS server, sum(requests) AS n
            FROM gateway_console_daily WHERE notEmpty(mcp_servers) AND ${DAYS} GROUP BY team_id, api_key_id, user_email, server)
      GROUP BY team, name)
    GROUP BY team, kind, name
  )
SELECT u.team AS team, u.kind AS kind, u.name AS name, u.uses AS uses,
       arrayExists(p -> match(u.name, concat('(?i)', p)),
                   if(u.kind = 'mcp_server', if(a.team_id != '', a.server_patterns, o.server_patterns),
                                             if(a.team_id != '', a.tool_patterns, o.tool_patterns))) AS approved
FROM used AS u
LEFT JOIN approved AS a ON a.team_id = u.team
CROSS JOIN (SELECT anyIf(tool_patterns, team_id = '') AS tool_patterns, anyIf(server_patterns, team_id = '') AS server_patterns FROM approved) AS o
WHERE ${TEAM_FILTER}
ORDER BY team, kind, uses DESC, name
SETTINGS join_use_nulls = 0`;

/** Provider usage on credentials the gateway does not hold, per team. */
export const UNHELD_SQL = `
WITH ${TEAM_LOOKUPS}, ${POSTURE_POLICY_PARAMS},
  usage AS (
    SELECT toString(provider) AS provider, api_key_id, workspace_id, account_id, principal,
           anyIf(user_email, user_email != '') AS email, anyIf(toString(team_id), team_id != '') AS logged_team,
           sum(request_count) AS requests, sum(records) AS records, sum(cost_usd) AS cost
    FROM provider_hourly
    WHERE kind IN ('usage', 'invocation') AND ${RANGE}
    GROUP BY provider, api_key_id, workspace_id, account_id, principal
    HAVING NOT ((provider = 'bedrock' OR api_key_id != '')
                AND arrayExists((p, k, w, r) -> p = provider AND (k = '' OR k = api_key_id) AND (w = '' OR w = workspace_id)
                                             AND (r = '' OR match(principal, r)), cred_provider, cred_key, cred_workspace, cred_principal))
  ),
  -- who a Claude account is, from the telemetry that carries it (as unmanaged-key-usage names it)
  accounts AS (
    SELECT account_id, argMax(user_email, last_at) AS email FROM agent_accounts
    WHERE user_email != '' AND account_id IN (SELECT account_id FROM usage WHERE account_id != '')
      AND hour >= toDateTime({from:Date}) - INTERVAL 30 DAY AND hour < toDateTime({to:Date})
    GROUP BY account_id
  )
SELECT multiIf(alias_team[lower(u.logged_team)] != '', alias_team[lower(u.logged_team)], member_team[u.email] != '', member_team[u.email],
               member_team[a.email] != '', member_team[a.email], u.logged_team != '', u.logged_team, '(unattributed)') AS team,
       u.provider AS source,
       multiIf(u.api_key_id != '', u.api_key_id, u.principal != '', u.principal, u.account_id != '', concat('account:', u.account_id),
               concat('workspace:', u.workspace_id)) AS credential,
       if(u.requests > 0, u.requests, u.records) AS events, round(u.cost, 6) AS cost_usd
FROM usage AS u LEFT JOIN accounts AS a ON a.account_id = u.account_id
WHERE ${TEAM_FILTER}
ORDER BY team, events DESC, credential
SETTINGS join_use_nulls = 0`;

