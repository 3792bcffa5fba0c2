import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * Sessions whose tool calls touch secret material, or reach repositories, hosts or MCP servers
 * outside the team's expected set (policy agentBoundaries.expected).
 *
 * The tool parameters themselves are never stored: at ingest the Claude Code normaliser records
 * only which secret-path / secret-command pattern matched, the repositories' host/organisation,
 * the other URLs' host names and the MCP server (src/normalize/tool-labels.ts, agent_events
 * secret_labels / repositories / hosts / mcp_server). So the evidence names patterns and hosts,
 * never a path's contents or a secret's value. The labels need tool details in the telemetry
 * (OTEL_LOG_TOOL_DETAILS=1); without them only secret-manager MCP servers are seen.
 *
 * A call only ever rejected (tool_decision reject) reached nothing and is not counted. A dimension
 * the policy does not list for the team (no expected repositories, say) is not judged.
 * Reads agent_boundary_events (0018_agent_boundaries.sql: the labelled and MCP tool events, ordered
 * by time); raw events only for the samples of flagged sessions.
 * Team: the person's membership at the call, else the OTel team alias. One alert per session,
 * windowed on the UTC day the session started, so a long session is one alert however many
 * hourly windows see it.
 */

interface Row {
  session_id: string;
  team: string;
  user_email: string;
  install_id: string;
  otel_team: string;
  calls: number;
  secret_calls: number;
  secret_labels: string[];
  outside_repositories: string[];
  outside_hosts: string[];
  outside_mcp_servers: string[];
  tools: string[];
  first_at: string;
  last_at: string;
  session_start: string;
  samples: string[];
}

export default defineDetector({
  id: 'agent.data-boundary',
  title: 'Agent session touched secret material or reached outside its expected set',
  description:
    'Claude Code sessions whose tool calls read secret material (.env files, cloud credentials, private keys, kubeconfigs, ' +
    'environment dumps, secret-manager reads or secret-manager MCP tools), or reached repositories, hosts or MCP servers ' +
    'outside the team\'s expected set. Evidence names the matched pattern and the host/organisation, never the secret.',
  severity: 'high',
  audience: 'soc',
  schedule: { every: '1h', lookback: '1h', settle: '15m', recheck: '24h' },
  // Regular runs wait for the data past the window (a backlog); early looks alert as it lands (detectors/README.md).
  requires: ['agent'],
  controls: {
    owaspAgentic: ['ASI02', 'ASI03', 'ASI06'],
    maestro: ['L2', 'L4', 'L6'],
    nistAiRmf: ['MAP 4.1', 'MANAGE 2.3', 'MEASURE 2.7'],
    nistCsf: ['PR.DS-01', 'PR.AA-05', 'DE.CM-09'],
  },
  runbook:
    'Open the session (driftwatch session <id>): which calls matched which secret pattern or outside host, and what ran ' +
    'right after. Ask the person what the task needed. If a secret was read by the agent, treat it as exposed to the model ' +
    'provider and the session transcript: rotate it, and check the next calls for it leaving (WebFetch, curl, git push to an ' +
    'outside repository). For outside repositories and hosts: confirm whether code or data went there; if the reach is ' +
    'legitimate, add it to the team\'s agentBoundaries.expected in the policy. Deny secret paths in managed settings ' +
    '(permissions.deny Read(./.env), Read(~/.aws/**)) so the agent cannot read them again.',
  falsePositives: [
    'Template files named like secrets (.env.example, test fixtures with dummy keys): the pattern cannot tell a template from a real file.',
    'Public dependencies fetched from a registry not yet listed among the expected hosts.',
    'A fork under a personal organisation used for an upstream contribution that was approved.',
  ],
  params: {
    minCalls: param('UInt32', 1, 'Minimum calls touching secret material or outside reach in the session in the window.'),
  },
  // One query evaluates a run of windows (detectors/README.md, batch): window_end is the end of the window a row belongs to.
  // A call that touched secret material or left the team's reach stays one: looked at as the window's data arrives.
  early: true,
  batch: true,
  query: sql`
    WITH
      members AS (SELECT email, groupArray((valid_from, valid_to, team_id)) AS spans FROM policy_team_members GROUP BY email),
      rules AS (
        SELECT team_id,
          groupArrayIf(name_pattern, rule = 'expected_repository') AS repo_patterns, countIf(rule = 'expected_repository') > 0 AS repo_judged,
          groupArrayIf(name_pattern, rule = 'expected_host') AS host_patterns, countIf(rule = 'expected_host') > 0 AS host_judged,
          groupArrayIf(name_pattern, rule = 'expected_mcp_server') AS mcp_patterns, countIf(rule = 'expected_mcp_server') > 0 AS mcp_judged
        FROM policy_agent_rules WHERE rule IN ('expected_repository', 'expected_host', 'expected_mcp_server') GROUP BY team_id
      ),
      -- the MCP servers some team is not expected to reach (every server of the window, from the agent_tools_hourly roll-up, judged
      -- against each team's patterns): a call to any other server is outside no team's set, so the day's ordinary MCP calls drop
      -- out before each call's team is resolved
      (SELECT groupUniqArray(t.mcp_server) FROM (
         SELECT DISTINCT mcp_server FROM agent_tools_hourly
         WHERE hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)} AND mcp_server != '') AS t
       CROSS JOIN rules AS r
       WHERE r.mcp_judged AND NOT arrayExists(p -> match(t.mcp_server, concat('(?i)', p)), r.mcp_patterns)) AS unexpected_servers,
      tool_calls AS (
        SELECT c.*,
          arrayReverseSort(span -> span.1, arrayFilter(span -> span.1 <= c.event_time AND span.2 > c.event_time, m.spans)) AS spans_in_force,
          if(notEmpty(spans_in_force), spans_in_force[1].3, a.team_id) AS team
        FROM (
          SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, event_time), 0), {every:UInt32}) + 1)) AS window_end,
                 session_id, event_time, user_email, user_id, team_id AS otel_team, tool_name, mcp_server, secret_labels, repositories, hosts, call_id
          FROM agent_boundary_events
          WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
            AND event_name IN ('tool_result', 'tool_decision') AND NOT (event_name = 'tool_decision' AND decision = 'reject')
            AND (notEmpty(secret_labels) OR notEmpty(repositories) OR notEmpty(hosts) OR mcp_server IN (SELECT arrayJoin(unexpected_servers)))) AS c
        LEFT JOIN members AS m ON m.email = c.user_email
        LEFT JOIN policy_team_aliases AS a ON a.alias = lower(c.otel_team)
      ),
      judged AS (
        SELECT c.*,
          if(r.repo_judged, arrayFilter(x -> NOT arrayExists(p -> match(x, concat('(?i)', p)), r.repo_patterns), c.repositories), []) AS out_repos,
          if(r.host_judged, arrayFilter(x -> NOT arrayExists(p -> match(x, concat('(?i)', p)), r.host_patterns), c.hosts), []) AS out_hosts,
          if(r.mcp_judged AND c.mcp_server != '' AND NOT arrayExists(p -> match(c.mcp_server, concat('(?i)', p)), r.mcp_patterns), [c.mcp_server], []) AS out_mcp
        FROM tool_calls AS c
        LEFT JOIN rules AS r ON r.team_id = c.team
        WHERE notEmpty(c.secret_labels) OR notEmpty(out_repos) OR notEmpty(out_hosts) OR notEmpty(out_mcp)
      ),
      (SELECT groupArray((session_id, team, who, install, log_team, n_calls, n_secret_calls, labels, o_repos, o_hosts,
                          o_mcp, tools, first_at, last_at, window_end, pointers)) FROM (
        SELECT window_end, session_id, team,
          argMaxIf(user_email, event_time, user_email != '') AS who, argMaxIf(user_id, event_time, user_id != '') AS install,
          argMaxIf(otel_team, event_time, otel_team != '') AS log_team,
          uniqExact(call_id) AS n_calls,
          uniqExactIf(call_id, notEmpty(secret_labels)) AS n_secret_calls,
          arraySort(groupUniqArrayArray(secret_labels)) AS labels,
          arraySort(groupUniqArrayArray(out_repos)) AS o_repos,
          arraySort(groupUniqArrayArray(out_hosts)) AS o_hosts,
          arraySort(groupUniqArrayArray(out_mcp)) AS o_mcp,
          arraySlice(arraySort(groupUniqArray(tool_name)), 1, 10) AS tools,
          min(event_time) AS first_at, max(event_time) AS last_at,
          -- the first three flagged calls, as agent_events' primary key (session_id, event_time): their raw records are the samples
          arrayMap(t -> (session_id, t), groupArraySorted(3)(event_time)) AS pointers
        FROM judged GROUP BY window_end, session_id, team
        HAVING n_calls >= {minCalls:UInt32})) AS flagged,
      arrayMap(f -> f.1, flagged) AS flagged_ids,
      arrayFlatten(arrayMap(f -> f.16, flagged)) AS sample_pointers
    SELECT f.15 AS window_end, f.1 AS session_id, f.2 AS team, f.3 AS user_email, f.4 AS install_id, f.5 AS otel_team, f.6 AS calls, f.7 AS secret_calls,
      f.8 AS secret_labels, f.9 AS outside_repositories, f.10 AS outside_hosts, f.11 AS outside_mcp_servers, f.12 AS tools,
      f.13 AS first_at, f.14 AS last_at, s.session_start AS session_start,
      x.samples AS samples
    FROM (SELECT n, flagged[n] AS f FROM (SELECT arrayJoin(arrayEnumerate(flagged)) AS n)) AS g
    LEFT JOIN (SELECT session_id, min(first_at) AS session_start FROM agent_session_starts WHERE session_id IN (SELECT arrayJoin(flagged_ids)) GROUP BY session_id) AS s
      ON s.session_id = f.1
    -- each flagged row's own sample records, joined by row number: a cross join would copy every sample onto every row
    LEFT JOIN (
      SELECT fp.n AS n, arrayDistinct(arrayMap(r -> r.2, arraySort(r -> r.1, groupArray((e.event_time, e.raw))))) AS samples
      FROM (SELECT np.1 AS n, p FROM (SELECT arrayJoin(arrayZip(arrayEnumerate(flagged), arrayMap(f -> f.16, flagged))) AS np) ARRAY JOIN np.2 AS p) AS fp
      INNER JOIN (
        -- tool parameters were redacted from raw at ingest
        SELECT session_id, event_time, raw FROM agent_events
        WHERE (session_id, event_time) IN (SELECT p.1, p.2 FROM (SELECT arrayJoin(sample_pointers) AS p))
          AND event_name IN ('tool_result', 'tool_decision')) AS e
        ON e.session_id = fp.p.1 AND e.event_time = fp.p.2
      GROUP BY fp.n) AS x ON x.n = g.n
    ORDER BY window_end, first_at
  `,
  alert(row: Row) {
    const reach = [
      row.secret_labels.length > 0 ? `touched secret material (${row.secret_labels.join(', ')}) in ${row.secret_calls} call(s)` : '',
      row.outside_repositories.length > 0 ? `reached repositories outside the expected set (${row.outside_repositories.join(', ')})` : '',
      row.outside_hosts.length > 0 ? `reached hosts outside the expected set (${row.outside_hosts.join(', ')})` : '',
      row.outside_mcp_servers.length > 0 ? `used MCP servers outside the expected set (${row.outside_mcp_servers.join(', ')})` : '',
    ].filter((s) => s !== '');
    const who = row.user_email || `install ${row.install_id.slice(0, 12) || 'unknown'}`;
    return {
      entity: `session:${row.session_id}`,
      team: row.team,
      identity: row.user_email,
      credential: '',
      summary: `Claude Code session ${row.session_id} (${who}, ${row.team ? `team ${row.team}` : 'no team'}) ${reach.join('; ')}.`,
      evidence: {
        figures: {
          sessionId: row.session_id,
          calls: row.calls,
          secretCalls: row.secret_calls,
          secretPatterns: row.secret_labels,
          outsideRepositories: row.outside_repositories,
          outsideHosts: row.outside_hosts,
          outsideMcpServers: row.outside_mcp_servers,
          tools: row.tools,
          otelTeam: row.otel_team,
          firstAt: row.first_at,
          lastAt: row.last_at,
        },
        samples: row.samples,
      },
      ...utcDay(row.session_start || row.first_at),
    };
  },
});
