import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * Tools and MCP servers a team uses outside its approved list (policy `tools`: org-wide ∪ the
 * team's own, resolved into policy_tools). Evidence of use:
 *
 * - agent telemetry: Claude Code `tool_result` (the tool ran) and `tool_decision` events. MCP
 *   tools are named `mcp__<server>__<tool>` and judged by their server; built-in tools by name.
 *   A call only ever rejected (decision = reject) is counted as an attempt, not as use.
 * - gateway: LiteLLM MCP-gateway calls and Kong AI MCP proxy `tools/call` (mcp_servers, tool_names).
 *
 * An MCP call is approved when its server matches an approved server glob OR the full tool name
 * (`mcp__github__create_pr`) matches an approved tool glob; names are compared case-insensitively.
 *
 * Team: the gateway key's policy team, else the user's membership, else the OTel team alias.
 * Unattributable use is judged against the org-wide list and reported with team ''. Identity: the
 * only user, or the team owner when several people used it (their e-mails are in the evidence).
 * Incident window: the UTC day the team first used it within firstSeenDays, so continued use is
 * one alert, re-raised at most once per firstSeenDays.
 *
 * The roll-ups (0010_rollups.sql: agent_tools_hourly, gateway_hourly) find the tools used outside
 * an approved list in the window and their first use; agent_tool_calls (tool calls ordered by tool
 * and time) gives those tools' calls; raw events are read for the samples only.
 */

interface Row {
  team: string;
  owner: string;
  kind: 'mcp_server' | 'tool';
  name: string;
  calls: number;
  rejected: number;
  agent_calls: number;
  gateway_calls: number;
  sessions: number;
  first_seen: string;
  first_in_window: string;
  last_seen: string;
  users: string[];
  tools: string[];
  sources: string[];
  key_aliases: string[];
  samples: string[];
}

export default defineDetector({
  id: 'cross-source.tool-scope-drift',
  title: 'Tool or MCP server outside the team\'s approved list',
  description:
    'Tools and MCP servers used by a team (Claude Code tool_result/tool_decision telemetry, gateway MCP calls) that the policy ' +
    'does not approve for it (org-wide tools/mcpServers plus the team\'s own). One alert per team and server (or built-in tool), ' +
    'with first use, the users, call counts and the tools called.',
  severity: 'medium',
  audience: 'soc',
  schedule: { every: '1h', lookback: '1h', settle: '15m', recheck: '24h' },
  controls: {
    owaspAgentic: ['ASI02', 'ASI04'],
    maestro: ['L3', 'L7'],
    nistAiRmf: ['GOVERN 6.1', 'MAP 4.1', 'MANAGE 3.1'],
    nistCsf: ['ID.AM-02', 'GV.SC-07', 'DE.CM-09'],
  },
  runbook:
    'Identify the MCP server from the evidence (tools called, mcp_server_scope in the sample: user/project/local config). Ask the ' +
    'users (or the team owner) what it is for, where it runs and what data it can reach; check whether it is a known, vetted ' +
    'server under another name (then add an alias glob to the policy). If it is not approved: remove it from the developers\' ' +
    'Claude Code settings (managed-settings allowedMcpServers / deniedMcpServers), revoke any tokens it was given, and review the ' +
    'sessions in the evidence for data sent to it. If it should be allowed, add it under the team\'s tools in the policy.',
  falsePositives: [
    'A vetted server renamed in a developer\'s config (e.g. github-enterprise for github): approve the alias with a glob.',
    'Claude Code built-in tools added in a new release before the org-wide list is updated.',
    'A person who changed teams still using the old team\'s servers during the hand-over (membership dates in the policy).',
  ],
  params: {
    minCalls: param('UInt32', 1, 'Minimum calls of the unapproved server/tool by the team in the window.'),
    firstSeenDays: param('UInt32', 7, 'How far back the first use by the team is looked for (also the re-alert period for continued use).'),
  },
  // One query evaluates a day of windows (src/detect/define-detector.ts, batch); window_end below is
  // the end of the window a row belongs to: the windows tile [from, to) (lookback = every).
  batch: true,
  query: sql`
    WITH
      toIntervalSecond({lookback:UInt32}) AS window_length,
      keys AS (SELECT api_key_id, any(team_id) AS team_id FROM policy_gateway_keys WHERE api_key_id != '' GROUP BY api_key_id),
      -- memberships with their validity: a person's team in a window is their latest membership overlapping it
      members AS (SELECT email, groupArray((valid_from, valid_to, team_id)) AS spans FROM policy_team_members GROUP BY email),
      approved AS (
        SELECT team_id, groupArrayIf(name_pattern, kind = 'tool') AS tool_patterns, groupArrayIf(name_pattern, kind = 'mcp_server') AS server_patterns
        FROM policy_tools GROUP BY team_id
      ),
      -- The agent (server, tool) pairs of the day that some team could be judged against and not approve (a team of a
      -- membership or an OTel alias, or '' for the org-wide list): a superset of the candidates below found on ~20 pairs, so
      -- that only those pairs' roll-up rows are attributed per window and person (most calls are approved built-in tools).
      (SELECT groupUniqArray((t.mcp_server, t.tool_name))
       FROM (SELECT DISTINCT mcp_server, tool_name FROM agent_tools_hourly
             WHERE hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}) AS t
       CROSS JOIN (SELECT DISTINCT team_id FROM (SELECT team_id FROM policy_team_members UNION ALL SELECT team_id FROM policy_team_aliases
                                                 UNION ALL SELECT '' AS team_id)) AS tm
       LEFT JOIN approved AS ap ON ap.team_id = tm.team_id
       WHERE NOT ((t.mcp_server != '' AND arrayExists(p -> match(t.mcp_server, concat('(?i)', p)), ap.server_patterns))
                  OR (t.tool_name != '' AND arrayExists(p -> match(t.tool_name, concat('(?i)', p)), ap.tool_patterns)))) AS unapproved_pairs,
      -- The agent tools (.1 servers, .2 built-in tools) and gateway MCP servers (.3) that some team uses outside its approved
      -- list in some window, judged per window, team and tool on the hourly roll-ups (0010_rollups.sql); only those tools'
      -- calls are read below (agent_tool_calls, ordered by tool and time; gateway_requests carrying such a server) and judged
      -- again per call, so a tool a window does not flag is dropped there. Gateway servers are judged by server only (the
      -- roll-up has no tool names), which keeps every server a gateway call could drift on. Without this filter the columns
      -- of every request with any MCP server (approved github calls, in nearly every granule) were read: ~300 MB more at 10 M.
      (SELECT (groupUniqArrayIf(u.mcp_server, u.source = 'agent' AND u.mcp_server != ''),
               groupUniqArrayIf(u.tool_name, u.source = 'agent' AND u.mcp_server = ''),
               groupUniqArrayIf(u.mcp_server, u.source = 'gateway'))
       FROM (
         SELECT h.window_end AS window_end, h.source AS source,
           -- as for the calls below (agent rows have no key)
           multiIf(k.team_id != '', k.team_id,
                   arrayReverseSort(span -> span.1, arrayFilter(span -> span.1 < h.window_end AND span.2 > h.window_end - window_length, m.spans))[1].3 AS m_team != '',
                   m_team, a.team_id) AS team,
           h.mcp_server AS mcp_server, h.tool_name AS tool_name
         FROM (
           SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, hour), 0), {every:UInt32}) + 1)) AS window_end,
             'agent' AS source, user_email, team_id, '' AS api_key_id, mcp_server, tool_name
           FROM agent_tools_hourly
           WHERE (mcp_server, tool_name) IN (SELECT p.1, p.2 FROM (SELECT arrayJoin(unapproved_pairs) AS p))
             AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
           GROUP BY window_end, user_email, team_id, mcp_server, tool_name
           UNION ALL
           SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, hour), 0), {every:UInt32}) + 1)) AS window_end,
             'gateway' AS source, user_email, team_id, api_key_id, arrayJoin(mcp_servers) AS mcp_server, '' AS tool_name
           FROM gateway_hourly
           WHERE notEmpty(mcp_servers) AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
           GROUP BY window_end, user_email, team_id, api_key_id, mcp_server) AS h
         LEFT JOIN keys AS k ON k.api_key_id = h.api_key_id
         LEFT JOIN members AS m ON m.email = h.user_email
         LEFT JOIN policy_team_aliases AS a ON a.alias = lower(h.team_id)
         GROUP BY window_end, source, team, mcp_server, tool_name) AS u
       LEFT JOIN approved AS ap ON ap.team_id = u.team
       WHERE NOT ((u.mcp_server != '' AND arrayExists(p -> match(u.mcp_server, concat('(?i)', p)), ap.server_patterns))
                  OR (u.tool_name != '' AND arrayExists(p -> match(u.tool_name, concat('(?i)', p)), ap.tool_patterns)))) AS candidates,
      recent AS (
        -- all windows, narrow columns; raw is fetched for the sampled calls at the end
        SELECT 'agent' AS source, event_time, user_email, team_id AS log_team, '' AS api_key_id, '' AS key_alias,
          if(mcp_server != '', 'mcp_server', 'tool') AS kind, if(mcp_server != '', mcp_server, tool_name) AS name, tool_name AS full_tool,
          event_name = 'tool_decision' AND decision = 'reject' AS rejected, call_id,
          session_id, concat(session_id, '@', toString(event_time)) AS sample_key
        FROM agent_tool_calls
        WHERE (has(candidates.1, mcp_server) OR (mcp_server = '' AND has(candidates.2, tool_name)))
          AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
        UNION ALL
        -- gateway tool names are bare; give them Claude Code's mcp__server__tool form for the policy globs
        SELECT 'gateway' AS source, event_time, user_email, team_id AS log_team, api_key_id, api_key_alias AS key_alias,
          'mcp_server' AS kind, arrayJoin(mcp_servers) AS server, if(tool != '', concat('mcp__', server, '__', tool), '') AS full_tool,
          toUInt8(0) AS rejected, concat(request_id, '#', server, '#', arrayJoin(if(empty(tool_names), [''], tool_names)) AS tool) AS call_id,
          session_id, request_id AS sample_key
        FROM gateway_requests
        WHERE notEmpty(mcp_servers) AND hasAny(candidates.3, mcp_servers)
          AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
      ),
      -- the drift per window, computed once (a few rows): earlier use and raw samples are looked up for it below.
      -- Arrays are sorted (and cut after sorting) so that a window's figures do not depend on the order rows were read in.
      (SELECT groupArray((team, kind, name, calls, rejected_calls, agent_calls, gateway_calls, sessions, first_in_window, last_seen, users,
                          tools, sources, key_aliases, sample_keys, window_end, gateway_pointers, agent_pointers)) FROM (
        SELECT u.window_end AS window_end, team, u.kind AS kind, u.name AS name,
          uniqExactIf(u.call_id, NOT u.rejected) AS calls, uniqExactIf(u.call_id, u.rejected) AS rejected_calls,
          uniqExactIf(u.call_id, NOT u.rejected AND u.source = 'agent') AS agent_calls,
          uniqExactIf(u.call_id, NOT u.rejected AND u.source = 'gateway') AS gateway_calls,
          uniqExactIf(u.session_id, NOT u.rejected AND u.session_id != '') AS sessions,
          minIf(u.event_time, NOT u.rejected) AS first_in_window, maxIf(u.event_time, NOT u.rejected) AS last_seen,
          arraySort(groupUniqArrayIf(u.user_email, NOT u.rejected AND u.user_email != '')) AS users,
          arraySlice(arraySort(groupUniqArrayIf(u.full_tool, NOT u.rejected AND u.full_tool != '')), 1, 10) AS tools,
          arraySort(groupUniqArrayIf(u.source, NOT u.rejected)) AS sources,
          arraySort(groupUniqArrayIf(u.key_alias, NOT u.rejected AND u.key_alias != '')) AS key_aliases,
          -- Samples: of the first three calls by sample key, those of the same source and session as the first (agent keys
          -- are session@time, so these are the earliest calls of the drift's first session). Raw is read granule by granule
          -- (1,024 events since 0012_source_granules.sql, read whole for one row); agent_events is ordered by session, so the samples of
          -- one session share a granule where three sessions would need three.
          groupArraySortedIf(3)((u.sample_key, u.source, u.session_id, u.event_time), NOT u.rejected) AS first_calls,
          arrayFilter(c -> c.2 = first_calls[1].2 AND c.3 = first_calls[1].3, first_calls) AS sample_calls,
          arrayDistinct(arrayMap(c -> c.1, sample_calls)) AS sample_keys,
          -- the agent samples as (session_id, event_time), agent_events' primary key: the lookup reads their granules only,
          -- not every granule of their sessions
          arrayMap(c -> (c.3, c.4), arrayFilter(c -> c.2 = 'agent', sample_calls)) AS agent_pointers,
          -- where the gateway requests among those samples are (team_id, event_time: gateway_requests' primary key), so the
          -- raw lookup below reads their granules only: the three smallest gateway keys include every gateway sample key, and
          -- only those that are samples are kept (each pointer costs a granule of narrow columns)
          arrayFilter(p -> has(sample_keys, p.1),
                      groupArraySortedIf(3)((u.sample_key, u.log_team, u.event_time), NOT u.rejected AND u.source = 'gateway')) AS gateway_pointers
        FROM (
          SELECT r.*, {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, r.event_time), 0), {every:UInt32}) + 1)) AS window_end,
            multiIf(k.team_id != '', k.team_id,
                    arrayReverseSort(span -> span.1, arrayFilter(span -> span.1 < window_end AND span.2 > window_end - window_length, m.spans))[1].3 AS m_team != '', m_team,
                    a.team_id) AS team
          FROM recent AS r
          LEFT JOIN keys AS k ON k.api_key_id = r.api_key_id
          LEFT JOIN members AS m ON m.email = r.user_email
          LEFT JOIN policy_team_aliases AS a ON a.alias = lower(r.log_team)) AS u
        LEFT JOIN approved AS ap ON ap.team_id = u.team
        WHERE NOT ((u.kind = 'mcp_server' AND arrayExists(p -> match(u.name, concat('(?i)', p)), ap.server_patterns))
                   OR (u.full_tool != '' AND arrayExists(p -> match(u.full_tool, concat('(?i)', p)), ap.tool_patterns)))
        GROUP BY window_end, team, kind, name
        HAVING calls >= {minCalls:UInt32} AND calls > 0)) AS drifts,
      arrayDistinct(arrayMap(d -> d.3, arrayFilter(d -> d.2 = 'mcp_server', drifts))) AS drift_servers,
      arrayDistinct(arrayMap(d -> d.3, arrayFilter(d -> d.2 = 'tool', drifts))) AS drift_tools,
      -- the windows in which some team drifts on a server/tool (window index wk: window wk starts at {from} + wk·every),
      -- as a small table joined below: filtering the drifts array per row instead copies the whole array (samples,
      -- users, …) into every row first, which cost ~20 s at 10 M requests
      drift_windows AS (
        SELECT DISTINCT d.2 AS kind, d.3 AS name, intDiv(dateDiff('second', {from:DateTime64(3)}, d.16) - {lookback:UInt32}, {every:UInt32}) AS wk
        FROM (SELECT arrayJoin(drifts) AS d)
      ),
      earlier AS (
        -- First use of the same server/tool by the team in the firstSeenDays before each window it drifts in, with people
        -- and keys attributed to teams as of that window. Hourly roll-up rows in [{from} - firstSeenDays, last window
        -- start) keep their earliest use per person/key and slot (a, b): an hour is in [start of window wk -
        -- firstSeenDays, start of window wk) exactly when a >= wk and b < wk. Slots sort in time order, so the earliest
        -- use in a window's range is the first slot with a >= wk, if its b < wk.
        SELECT window_end, team, kind, name, min(slot_first) AS first_seen
        FROM (
          SELECT h.window_end AS window_end,
            multiIf(k.team_id != '', k.team_id,
                    arrayReverseSort(span -> span.1, arrayFilter(span -> span.1 < h.window_end AND span.2 > h.window_end - window_length, m.spans))[1].3 AS m_team != '', m_team,
                    a.team_id) AS team,
            h.kind AS kind, h.name AS name, h.slot_first AS slot_first
          FROM (
            SELECT s.user_email AS user_email, s.log_team AS log_team, s.api_key_id AS api_key_id, s.kind AS kind, s.name AS name,
              {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * w.wk) + window_length AS window_end,
              s.slots[arrayFirstIndex(x -> x.1 >= w.wk, s.slots) AS i].3 AS slot_first
            FROM (
              SELECT user_email, log_team, api_key_id, kind, name, arraySort(groupArray((a, b, first))) AS slots
              FROM (
                SELECT user_email, log_team, api_key_id, kind, name,
                  intDiv(dateDiff('second', {from:DateTime64(3)} - toIntervalDay({firstSeenDays:UInt32}), hour + toIntervalHour(1)) - 1, {every:UInt32}) AS a,
                  if(hour < {from:DateTime64(3)}, -1, intDiv(dateDiff('second', {from:DateTime64(3)}, hour), {every:UInt32})) AS b,
                  min(hour_first) AS first
                FROM (
                  SELECT user_email, team_id AS log_team, '' AS api_key_id, if(mcp_server != '', 'mcp_server', 'tool') AS kind,
                    if(mcp_server != '', mcp_server, tool_name) AS name, hour, min(first_at) AS hour_first
                  FROM agent_tools_hourly
                  WHERE (has(drift_servers, mcp_server) OR (mcp_server = '' AND has(drift_tools, tool_name)))
                    AND NOT (event_name = 'tool_decision' AND decision = 'reject')
                    AND hour >= toStartOfHour({from:DateTime64(3)} - toIntervalDay({firstSeenDays:UInt32}))
                    AND hour < {to:DateTime64(3)} - window_length
                  GROUP BY user_email, log_team, kind, name, hour
                  UNION ALL
                  SELECT user_email, team_id AS log_team, api_key_id, 'mcp_server' AS kind, arrayJoin(mcp_servers) AS name, hour, min(first_at) AS hour_first
                  FROM gateway_hourly
                  WHERE hasAny(drift_servers, mcp_servers)
                    AND hour >= toStartOfHour({from:DateTime64(3)} - toIntervalDay({firstSeenDays:UInt32}))
                    AND hour < {to:DateTime64(3)} - window_length
                  GROUP BY user_email, log_team, api_key_id, kind, name, hour)
                GROUP BY user_email, log_team, api_key_id, kind, name, a, b)
              GROUP BY user_email, log_team, api_key_id, kind, name) AS s
            INNER JOIN drift_windows AS w ON w.kind = s.kind AND w.name = s.name
            WHERE i > 0 AND s.slots[i].2 < w.wk) AS h
          LEFT JOIN keys AS k ON k.api_key_id = h.api_key_id
          LEFT JOIN members AS m ON m.email = h.user_email
          LEFT JOIN policy_team_aliases AS a ON a.alias = lower(h.log_team))
        GROUP BY window_end, team, kind, name
      ),
      arrayFlatten(arrayMap(d -> d.15, drifts)) AS picked,
      arrayFlatten(arrayMap(d -> d.17, drifts)) AS picked_gateway,
      arrayFlatten(arrayMap(d -> d.18, drifts)) AS picked_agent,
      raws AS (
        -- a key names one call; when two events share it (a decision and its result), the first recorded one
        SELECT k, raw FROM (
          SELECT concat(session_id, '@', toString(event_time)) AS k, argMin(raw, (source_partition, source_offset, record_index)) AS raw FROM agent_events
          -- IN sets, not has(): a day's few hundred keys would be compared one by one with every row. The pointers are exactly
          -- the picked agent keys (session@time), so k is not tested again: that built it for every row of the granules read
          WHERE (session_id, event_time) IN (SELECT p.1, p.2 FROM (SELECT arrayJoin(picked_agent) AS p)) AND event_name IN ('tool_result', 'tool_decision')
            AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
          GROUP BY k
          UNION ALL
          SELECT request_id AS k, argMin(raw, (source_partition, source_offset, record_index)) AS raw FROM gateway_requests
          -- by primary key: request_id alone would read that column in nearly every granule of the day (~250 MB at 10 M)
          WHERE (team_id, event_time) IN (SELECT p.2, p.3 FROM (SELECT arrayJoin(picked_gateway) AS p))
            AND notEmpty(mcp_servers) AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
            AND request_id IN (SELECT arrayJoin(picked))
          GROUP BY k)
      ),
      -- each drift's samples in sample-key order, joined per key: a single map of every raw sample CROSS JOINed to the
      -- drifts was copied into each of the ~200 result rows (~450 raws each, ~150 MB at 10 M) before the lookup
      samples AS (
        SELECT s.window_end AS window_end, s.team AS team, s.kind AS kind, s.name AS name,
               arrayMap(x -> x.2, arraySort(groupArray((s.i, r.raw)))) AS samples
        FROM (SELECT x.1 AS window_end, x.2 AS team, x.3 AS kind, x.4 AS name, x.5 AS i, x.6 AS k
              FROM (SELECT arrayJoin(arrayFlatten(arrayMap(d -> arrayMap((k, i) -> (d.16, d.1, d.2, d.3, i, k), d.15, arrayEnumerate(d.15)), drifts))) AS x)) AS s
        LEFT JOIN raws AS r ON r.k = s.k
        GROUP BY window_end, team, kind, name
      )
    SELECT d.16 AS window_end, d.1 AS team, t.owner_email AS owner, d.2 AS kind, d.3 AS name, d.4 AS calls, d.5 AS rejected,
      d.6 AS agent_calls, d.7 AS gateway_calls, d.8 AS sessions,
      if(e.first_seen > toDateTime64(0, 3, 'UTC'), least(e.first_seen, d.9), d.9) AS first_seen,
      d.9 AS first_in_window, d.10 AS last_seen, d.11 AS users, d.12 AS tools, d.13 AS sources,
      d.14 AS key_aliases, sa.samples AS samples
    FROM (SELECT arrayJoin(drifts) AS d) AS x
    LEFT JOIN earlier AS e ON e.window_end = x.d.16 AND e.team = x.d.1 AND e.kind = x.d.2 AND e.name = x.d.3
    LEFT JOIN policy_teams AS t ON t.team_id = x.d.1
    LEFT JOIN samples AS sa ON sa.window_end = x.d.16 AND sa.team = x.d.1 AND sa.kind = x.d.2 AND sa.name = x.d.3
    ORDER BY window_end, team, kind, name
  `,
  alert(row: Row) {
    const what = row.kind === 'mcp_server' ? `MCP server "${row.name}"` : `tool "${row.name}"`;
    const identity = row.users.length === 1 ? (row.users[0] ?? '') : row.owner || (row.users[0] ?? '');
    const who = row.users.length > 0 ? row.users.join(', ') : 'unidentified users';
    const teamText = row.team ? `team ${row.team}` : 'an unattributed team (judged against the org-wide list)';
    const since = row.first_seen < row.first_in_window ? ` In use since ${row.first_seen.slice(0, 16)} UTC.` : ' First use seen in this window.';
    return {
      entity: `${row.team || 'unattributed'}:${row.kind === 'mcp_server' ? 'mcp' : 'tool'}:${row.name}`,
      team: row.team,
      identity,
      credential: row.key_aliases[0] ?? '',
      summary: `${what} used by ${teamText} outside its approved list: ${row.calls} call(s) in ${row.sessions} session(s) by ${who}` +
        `${row.tools.length > 0 && row.kind === 'mcp_server' ? ` (tools: ${row.tools.join(', ')})` : ''}` +
        `${row.rejected > 0 ? `; ${row.rejected} further call(s) were rejected` : ''}.${since}`,
      evidence: {
        figures: {
          kind: row.kind,
          name: row.name,
          calls: row.calls,
          rejectedCalls: row.rejected,
          agentCalls: row.agent_calls,
          gatewayCalls: row.gateway_calls,
          sessions: row.sessions,
          users: row.users,
          tools: row.tools,
          sources: row.sources,
          gatewayKeys: row.key_aliases,
          firstSeen: row.first_seen,
          firstInWindow: row.first_in_window,
          lastSeen: row.last_seen,
        },
        samples: row.samples,
      },
      ...utcDay(row.first_seen),
    };
  },
});
