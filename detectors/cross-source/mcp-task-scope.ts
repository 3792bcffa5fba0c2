import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * MCP scope by task, not by tool family (issue 14): the policy approves MCP servers and tools per
 * task class (agentBoundaries.mcpByTaskClass, org-wide with per-team replacements). A Claude Code
 * session is classified by its gateway requests — the task-class rules of the policy (tags,
 * routes, key aliases, user agents, first class by priority) applied to the requests carrying its
 * session id, the class most of them fall in — and each MCP call of the session (tool_result /
 * tool_decision, not rejected) is judged against that class. A call alerts when its server (or
 * tool) is approved for another task class and not for the session's own: a review bot's
 * repository-admin server used from a coding session, a chat assistant's knowledge base from an
 * agent. Servers no task class lists are tool-scope-drift's business, and sessions without gateway
 * requests have no class (session-without-gateway reports those).
 *
 * Reads the MCP calls per hour, session, server and tool from agent_mcp_calls_hourly
 * (0030_agent_mcp_calls_hourly.sql; the calls of agent_boundary_events when the windows are not whole
 * hours; a call's team is the one at its group's first call) and the gateway
 * request shapes per hour of the sessions that called a class-scoped server
 * (0028_gateway_session_shapes.sql; the requests themselves when the class tolerance is not whole
 * hours); raw events only for samples.
 * One alert per session, windowed on the UTC day the session started. Team: membership, else the
 * OTel team alias; identity: the session's person, else the owner of its gateway key.
 */

interface Row {
  session_id: string;
  team: string;
  user_email: string;
  key_owner: string;
  key_alias: string;
  session_class: string;
  class_requests: number;
  servers: string[];
  tools: string[];
  approved_for: string[];
  calls: number;
  first_at: string;
  session_start: string;
  samples: string[];
}

export default defineDetector({
  id: 'cross-source.mcp-task-scope',
  title: 'MCP server used outside the task class it is approved for',
  description:
    'Claude Code sessions of one task class (classified by their gateway requests) calling MCP servers or tools the policy ' +
    'approves only for other task classes. One alert per session, naming the session\'s class, the servers and tools, and ' +
    'the classes they are approved for.',
  severity: 'medium',
  audience: 'soc',
  schedule: { every: '1h', lookback: '1h', settle: '15m', recheck: '24h' },
  requires: ['gateway'],
  controls: {
    owaspAgentic: ['ASI02', 'ASI04'],
    maestro: ['L3', 'L7'],
    nistAiRmf: ['MAP 3.4', 'MANAGE 3.1'],
    nistCsf: ['PR.AA-05', 'DE.CM-09'],
  },
  runbook:
    'Check the session\'s class (the gateway requests\' tags, route and key in the evidence) and the servers it called. Ask ' +
    'the person why a coding session needed, say, the chat knowledge base or the review bot\'s admin tools, and what data ' +
    'moved. Restrict the server in the Claude Code managed settings of that use (allowedMcpServers per project/profile) or ' +
    'in the gateway\'s MCP access groups. If the task legitimately needs it, add the server to that task class in ' +
    'agentBoundaries.mcpByTaskClass (or a team override).',
  falsePositives: [
    'A session whose gateway requests are misclassified (a key alias or tag that matches the wrong class first).',
    'Shared servers with read-only tools approved for one class but harmless in another: approve those tools per class.',
  ],
  params: {
    classToleranceSeconds: param('UInt32', 3600, 'Gateway requests this long before the window still classify its sessions.'),
    minCalls: param('UInt32', 1, 'Minimum out-of-scope MCP calls in the session in the window.'),
  },
  // One query evaluates a run of windows (detectors/README.md, batch): window_end is the end of the window a row belongs to.
  batch: true,
  query: sql`
    WITH
      toIntervalSecond({classToleranceSeconds:UInt32}) AS tolerance,
      {every:UInt32} % 3600 = 0 AND toUnixTimestamp64Milli({from:DateTime64(3)}) % 3600000 = 0 AS hourly_windows,
      hourly_windows AND {classToleranceSeconds:UInt32} % 3600 = 0 AS hourly,
      toUInt32(dateDiff('second', {from:DateTime64(3)}, {to:DateTime64(3)}) / {every:UInt32}) AS windows,
      members AS (SELECT email, groupArray((valid_from, valid_to, team_id)) AS spans FROM policy_team_members GROUP BY email),
      class_rules AS (
        SELECT team_id, class_id, groupArrayIf(name_pattern, rule = 'class_mcp_server') AS server_patterns,
               groupArrayIf(name_pattern, rule = 'class_mcp_tool') AS tool_patterns
        FROM policy_agent_rules WHERE rule IN ('class_mcp_server', 'class_mcp_tool') GROUP BY team_id, class_id
      ),
      -- MCP calls grouped per hour, session, person, logged team, server and tool: the roll-up
      -- (0030_agent_mcp_calls_hourly.sql) when the windows are whole hours, else the calls themselves, to the millisecond
      call_groups AS (
        SELECT toDateTime64(hour, 3, 'UTC') AS at, session_id, user_email, team_id AS otel_team, mcp_server, tool_name, calls, first_at, first_times
        FROM agent_mcp_calls_hourly
        WHERE hourly_windows AND hour >= {from:DateTime64(3)} AND hour < {to:DateTime64(3)}
        UNION ALL
        SELECT event_time, session_id, user_email, team_id, mcp_server, tool_name,
               uniqExactState(call_id), min(event_time), groupArraySortedState(3)(event_time)
        FROM agent_boundary_events
        WHERE NOT hourly_windows AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} AND mcp_server != ''
          AND event_name IN ('tool_result', 'tool_decision') AND NOT (event_name = 'tool_decision' AND decision = 'reject')
        GROUP BY event_time, session_id, user_email, team_id, mcp_server, tool_name
      ),
      mcp_calls AS (
        SELECT c.*,
          -- the team at the group's first call
          arrayReverseSort(span -> span.1, arrayFilter(span -> span.1 <= c.first_at AND span.2 > c.first_at, m.spans)) AS spans_in_force,
          if(notEmpty(spans_in_force), spans_in_force[1].3, a.team_id) AS team
        FROM (
          SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, at), 0), {every:UInt32}) + 1)) AS window_end,
                 session_id, user_email, otel_team, mcp_server, tool_name, calls, first_at, first_times
          FROM call_groups) AS c
        LEFT JOIN members AS m ON m.email = c.user_email
        LEFT JOIN policy_team_aliases AS a ON a.alias = lower(c.otel_team)
      ),
      -- the classes that approve each (team, server, tool) in use: patterns matched once per combination, not per call; kept
      -- as a constant (a few hundred combinations), since scoped below is read twice and would read the calls again for it
      (SELECT groupArray((team, mcp_server, tool_name, approving_classes)) FROM (
        SELECT c.team AS team, c.mcp_server AS mcp_server, c.tool_name AS tool_name,
               groupArrayIf(cr.class_id, arrayExists(p -> match(c.mcp_server, concat('(?i)', p)), cr.server_patterns)
                                         OR arrayExists(p -> match(c.tool_name, concat('(?i)', p)), cr.tool_patterns)) AS approving_classes
        FROM (SELECT DISTINCT team, mcp_server, tool_name FROM mcp_calls) AS c
        INNER JOIN class_rules AS cr ON cr.team_id = c.team
        GROUP BY team, mcp_server, tool_name
        HAVING notEmpty(approving_classes))) AS combo_scope_rows,
      combo_scopes AS (
        SELECT c.1 AS team, c.2 AS mcp_server, c.3 AS tool_name, c.4 AS approving_classes FROM (SELECT arrayJoin(combo_scope_rows) AS c)
      ),
      -- the calls some task class scopes (their server or tool is listed for a class), with the classes that approve them
      scoped AS (
        SELECT mc.window_end AS window_end, mc.session_id AS session_id, mc.user_email AS user_email, mc.team AS team,
               mc.mcp_server AS mcp_server, mc.tool_name AS tool_name, mc.calls AS calls, mc.first_at AS first_at, mc.first_times AS first_times,
               cs.approving_classes AS approving_classes
        FROM mcp_calls AS mc
        INNER JOIN combo_scopes AS cs ON cs.team = mc.team AND cs.mcp_server = mc.mcp_server AND cs.tool_name = mc.tool_name
      ),
      -- the sessions whose gateway requests are read to classify them: those with a call some class scopes for any team (a
      -- superset of the scoped calls' sessions; the calls' team, a join per call, is not needed to narrow the read)
      (SELECT groupUniqArray(session_id) FROM call_groups
       WHERE (mcp_server, tool_name) IN (SELECT c.2, c.3 FROM (SELECT arrayJoin(combo_scope_rows) AS c))) AS scoped_sessions,
      (SELECT groupArray((class_id, tags, route_patterns, key_alias_patterns, user_agent_patterns))
       FROM (SELECT * FROM policy_task_classes ORDER BY priority)) AS classes,
      -- A request's class depends only on (tags, route, key alias, user agent): a day has a few thousand such combinations
      -- against millions of requests, so each combination is classified once (a scalar, from the gateway_hourly roll-up,
      -- 0010_rollups.sql) and joined, instead of matching the patterns on every request.
      (SELECT groupArrayIf((tags, route, api_key_alias, user_agent, class_id), class_id != '') FROM (
        SELECT tags, route, api_key_alias, user_agent,
               arrayFirst(c -> hasAny(tags, c.2) OR arrayExists(p -> match(route, p), c.3) OR arrayExists(p -> match(api_key_alias, p), c.4)
                               OR arrayExists(p -> match(user_agent, p), c.5), classes).1 AS class_id
        FROM (SELECT DISTINCT tags, route, api_key_alias, user_agent FROM gateway_hourly
              WHERE hour >= toStartOfHour({from:DateTime64(3)} - tolerance) AND hour < {to:DateTime64(3)}))) AS class_combos,
      combo_classes AS (
        SELECT c.1 AS tags, c.2 AS route, c.3 AS api_key_alias, c.4 AS user_agent, c.5 AS class_id FROM (SELECT arrayJoin(class_combos) AS c)
      ),
      session_classes AS (
        -- per window, the class most of a session's gateway requests in [window start - tolerance, window end) fall in
        -- (ties: the class listed first); a request counts for each window whose range holds it
        SELECT window_end, session_id, argMax(class_id, (n, -rank)) AS session_class, max(n) AS class_requests,
               min(key_alias) AS key_alias, min(key_id) AS key_id
        FROM (
          SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (k + 1)) AS window_end, r.session_id AS session_id, cc.class_id AS class_id,
                 indexOf(arrayMap(c -> c.1, classes), class_id) AS rank, sum(r.requests) AS n,
                 minIf(r.alias, r.alias != '') AS key_alias, minIf(r.key, r.key != '') AS key_id
          FROM (
            -- requests grouped by shape and by the run of windows they count for (a few groups per session) before the
            -- join and the spread over windows
            SELECT session_id, tags, route, api_key_alias, user_agent,
                   toUInt32(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, at), 0), {every:UInt32})) AS k_first,
                   toUInt32(least(intDiv(dateDiff('second', {from:DateTime64(3)}, at + tolerance), {every:UInt32}), windows - 1)) AS k_last,
                   sum(n) AS requests, minIf(api_key_alias, api_key_alias != '') AS alias, minIf(api_key_id, api_key_id != '') AS key
            FROM (
              -- whole hours (windows, tolerance and the run's start): every request of an hour counts for the same windows, so
              -- the hour's shapes (0028_gateway_session_shapes.sql) stand for its requests; otherwise the requests, to the second
              SELECT hour AS at, session_id, tags, route, api_key_alias, user_agent, api_key_id, requests AS n
              FROM gateway_session_shapes_hourly
              -- IN a subquery, which ClickHouse builds into a hash set once: has(array, x) and x IN array scan the array
              -- on every row, and most sessions of a day call a class-scoped server (5,133 at 1 M requests: 37 s of CPU vs 0.7 s)
              WHERE hourly AND session_id IN (SELECT arrayJoin(scoped_sessions))
                AND hour >= {from:DateTime64(3)} - tolerance AND hour < {to:DateTime64(3)}
              UNION ALL
              SELECT event_time, session_id, tags, route, api_key_alias, user_agent, api_key_id, 1
              FROM gateway_requests
              WHERE NOT hourly AND session_id IN (SELECT arrayJoin(scoped_sessions))
                AND event_time >= {from:DateTime64(3)} - tolerance AND event_time < {to:DateTime64(3)})
            GROUP BY session_id, tags, route, api_key_alias, user_agent, k_first, k_last) AS r
          -- requests of no class drop out at the (inner) join
          INNER JOIN combo_classes AS cc
            ON cc.tags = r.tags AND cc.route = r.route AND cc.api_key_alias = r.api_key_alias AND cc.user_agent = r.user_agent
          ARRAY JOIN range(r.k_first, r.k_last + 1) AS k
          GROUP BY window_end, session_id, class_id)
        GROUP BY window_end, session_id
      ),
      keys AS (SELECT api_key_id, min(owner_email) AS owner FROM policy_gateway_keys WHERE api_key_id != '' GROUP BY api_key_id),
      (SELECT groupArray((session_id, team, user_email, session_class, class_requests, key_alias, key_id, servers, tools, approved_for, n_calls, first_at,
                          window_end, pointers))
       FROM (
        SELECT s.window_end AS window_end, s.session_id AS session_id, s.team AS team, minIf(s.user_email, s.user_email != '') AS user_email,
          any(sc.session_class) AS session_class, any(sc.class_requests) AS class_requests, any(sc.key_alias) AS key_alias, any(sc.key_id) AS key_id,
          arraySort(groupUniqArray(s.mcp_server)) AS servers, arraySlice(arraySort(groupUniqArray(s.tool_name)), 1, 10) AS tools,
          arraySort(arrayDistinct(groupArrayArray(s.approving_classes))) AS approved_for,
          uniqExactMerge(s.calls) AS n_calls, min(s.first_at) AS first_at,
          -- the first three out-of-scope calls, as agent_events' primary key (session_id, event_time): their raw records are the samples
          arrayMap(t -> (s.session_id, t), groupArraySortedMerge(3)(s.first_times)) AS pointers
        FROM scoped AS s
        INNER JOIN session_classes AS sc ON sc.window_end = s.window_end AND sc.session_id = s.session_id
        WHERE NOT has(s.approving_classes, sc.session_class)
        GROUP BY s.window_end, s.session_id, s.team
        HAVING n_calls >= {minCalls:UInt32})) AS flagged,
      arrayMap(f -> f.1, flagged) AS flagged_ids,
      arrayFlatten(arrayMap(f -> f.14, flagged)) AS sample_pointers
    SELECT f.13 AS window_end, f.1 AS session_id, f.2 AS team, f.3 AS user_email, k.owner AS key_owner, f.6 AS key_alias, f.4 AS session_class,
      f.5 AS class_requests, f.8 AS servers, f.9 AS tools, f.10 AS approved_for, f.11 AS calls, f.12 AS first_at,
      st.session_start AS session_start,
      x.samples AS samples
    FROM (SELECT n, flagged[n] AS f FROM (SELECT arrayJoin(arrayEnumerate(flagged)) AS n)) AS g
    LEFT JOIN keys AS k ON k.api_key_id = f.7
    LEFT JOIN (SELECT session_id, min(first_at) AS session_start FROM agent_session_starts WHERE session_id IN (SELECT arrayJoin(flagged_ids)) GROUP BY session_id) AS st
      ON st.session_id = f.1
    -- each flagged row's own sample records, joined by row number: a cross join would copy every sample onto every row
    LEFT JOIN (
      SELECT fp.n AS n, arrayDistinct(arrayMap(r -> r.2, arraySort(r -> r.1, groupArray((e.event_time, e.raw))))) AS samples
      FROM (SELECT np.1 AS n, p FROM (SELECT arrayJoin(arrayZip(arrayEnumerate(flagged), arrayMap(f -> f.14, flagged))) AS np) ARRAY JOIN np.2 AS p) AS fp
      INNER JOIN (
        SELECT session_id, event_time, raw FROM agent_events
        WHERE (session_id, event_time) IN (SELECT p.1, p.2 FROM (SELECT arrayJoin(sample_pointers) AS p))
          AND mcp_server != '' AND event_name IN ('tool_result', 'tool_decision')) AS e
        ON e.session_id = fp.p.1 AND e.event_time = fp.p.2
      GROUP BY fp.n) AS x ON x.n = g.n
    ORDER BY window_end, first_at
  `,
  alert(row: Row) {
    const identity = row.user_email || row.key_owner;
    return {
      entity: `session:${row.session_id}`,
      team: row.team,
      identity,
      credential: row.key_alias,
      summary: `Claude Code session ${row.session_id} (${identity || 'unknown person'}, ${row.team ? `team ${row.team}` : 'no team'}) is a ` +
        `${row.session_class} session but called ${row.servers.join(', ')} (${row.calls} call(s): ${row.tools.join(', ')}), approved only for ` +
        `task class(es) ${row.approved_for.join(', ')}.`,
      evidence: {
        figures: {
          sessionId: row.session_id,
          sessionClass: row.session_class,
          classifiedRequests: row.class_requests,
          servers: row.servers,
          tools: row.tools,
          approvedFor: row.approved_for,
          calls: row.calls,
          gatewayKey: row.key_alias,
          firstAt: row.first_at,
        },
        samples: row.samples,
      },
      ...utcDay(row.session_start || row.first_at),
    };
  },
});
