import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * Tool permissions that expand through local configuration rather than central approval (issue
 * 14): Claude Code `permission_mode_changed` into a mode the policy does not permit
 * (agentBoundaries.permissions.modes, e.g. bypassPermissions), and `tool_decision` approvals whose
 * `source` says the approval came from the developer's own settings (`config`) or a "don't ask
 * again" (`user_permanent`) for a tool that managed settings do not pre-approve
 * (agentBoundaries.permissions.tools). Approvals from hooks and one-off user approvals are not
 * expansions; a dimension the policy does not list for the team is not judged.
 *
 * One alert per person (or install, without an e-mail) and UTC day: a permanent approval is
 * re-used by every later session, so the person, not the session, is what the analyst follows up.
 * Team: the person's membership at the event, else the OTel team alias. Reads agent_boundary_events
 * (0018_agent_boundaries.sql), which keeps mode changes and every approval that is not a one-off
 * user answer or a hook; raw events only for the samples.
 */

interface Row {
  who: string;
  team: string;
  user_email: string;
  install_id: string;
  modes: string[];
  mode_changes: number;
  mode_triggers: string[];
  tools: string[];
  approvals: number;
  approval_sources: string[];
  sessions: string[];
  first_at: string;
  last_at: string;
  samples: string[];
}

export default defineDetector({
  id: 'agent.local-permission-expansion',
  title: 'Agent permissions expanded by local configuration',
  description:
    'Claude Code sessions switched into a permission mode the policy does not permit (e.g. bypassPermissions), or tools ' +
    'approved by the developer\'s own settings or a permanent "don\'t ask again" that managed settings do not pre-approve. ' +
    'One alert per person and day, listing the modes, tools and sessions.',
  severity: 'medium',
  audience: 'soc',
  schedule: { every: '1h', lookback: '1h', settle: '15m', recheck: '24h' },
  // Regular runs wait for the data past the window (a backlog); early looks alert as it lands (detectors/README.md).
  requires: ['agent'],
  controls: {
    owaspAgentic: ['ASI02', 'ASI03'],
    maestro: ['L3', 'L6'],
    nistAiRmf: ['GOVERN 1.4', 'MANAGE 2.4'],
    nistCsf: ['PR.AA-05', 'PR.PS-01', 'DE.CM-09'],
  },
  runbook:
    'Check the evidence: which mode was entered and by what trigger (CLI flag, settings, shift-tab), which tools were ' +
    'approved and from which source. Ask the person why; look at what ran in those sessions after the expansion ' +
    '(driftwatch session <id>). Remove the local allow rules (~/.claude/settings.json, .claude/settings.local.json), and ' +
    'enforce centrally: managed-settings permissions.disableBypassPermissionsMode = "disable", allowManagedPermissionRulesOnly. ' +
    'If the tool should be pre-approved for everyone, add it to agentBoundaries.permissions.tools in the policy instead.',
  falsePositives: [
    'A project\'s checked-in .claude/settings.json that the team reviewed but the policy has not caught up with.',
    'Sandboxed throw-away environments (devcontainers) where bypassPermissions is approved: list the mode for that team.',
    'A Claude Code release that reports a central (managed) approval with source config.',
  ],
  params: {
    localSources: param('Array(String)', ['config', 'user_permanent'], 'tool_decision sources that mean a local, lasting approval.'),
    minEvents: param('UInt32', 1, 'Minimum expansions (mode changes + approvals) by the person in the window.'),
  },
  // One query evaluates a run of windows (detectors/README.md, batch): window_end is the end of the window a row belongs to.
  // An expansion, once logged, stays one: looked at as the window's data arrives.
  early: true,
  batch: true,
  query: sql`
    WITH
      members AS (SELECT email, groupArray((valid_from, valid_to, team_id)) AS spans FROM policy_team_members GROUP BY email),
      rules AS (
        SELECT team_id,
          groupArrayIf(name_pattern, rule = 'permitted_mode') AS mode_patterns, countIf(rule = 'permitted_mode') > 0 AS modes_judged,
          groupArrayIf(name_pattern, rule = 'preapproved_tool') AS tool_patterns, countIf(rule = 'preapproved_tool') > 0 AS tools_judged
        FROM policy_agent_rules WHERE rule IN ('permitted_mode', 'preapproved_tool') GROUP BY team_id
      ),
      -- the tools some team's central approval does not cover (every tool name of the window, from the agent_tools_hourly roll-up,
      -- judged against each team's patterns): an approval of any other tool expands no team's permissions, so the day's millions of
      -- approvals of preapproved tools (Read, Edit … by config) drop out before each event's team is resolved
      (SELECT groupUniqArray(t.tool_name) FROM (
         SELECT DISTINCT tool_name FROM agent_tools_hourly
         WHERE hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)} AND event_name = 'tool_decision' AND decision = 'accept') AS t
       CROSS JOIN rules AS r
       WHERE r.tools_judged AND NOT arrayExists(p -> match(t.tool_name, concat('(?i)', p)), r.tool_patterns)) AS unapproved_tools,
      events AS (
        SELECT e.*,
          arrayReverseSort(span -> span.1, arrayFilter(span -> span.1 <= e.event_time AND span.2 > e.event_time, m.spans)) AS spans_in_force,
          if(notEmpty(spans_in_force), spans_in_force[1].3, a.team_id) AS team
        FROM (
          SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, event_time), 0), {every:UInt32}) + 1)) AS window_end,
                 session_id, event_time, event_name, user_email, user_id, team_id AS otel_team, tool_name, decision_source, permission_mode, mode_trigger
          FROM agent_boundary_events
          WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
            AND ((event_name = 'permission_mode_changed' AND permission_mode != '')
                 OR (event_name = 'tool_decision' AND decision = 'accept' AND has({localSources:Array(String)}, decision_source)
                     AND (tool_name = '' OR tool_name IN (SELECT arrayJoin(unapproved_tools)))))) AS e
        LEFT JOIN members AS m ON m.email = e.user_email
        LEFT JOIN policy_team_aliases AS a ON a.alias = lower(e.otel_team)
      ),
      -- what is judged an expansion, decided once per (team, event, mode, tool) combination rather than per event
      expanding AS (
        SELECT c.team AS team, c.event_name AS event_name, c.permission_mode AS permission_mode, c.tool_name AS tool_name
        FROM (SELECT DISTINCT team, event_name, permission_mode, tool_name FROM events) AS c
        LEFT JOIN rules AS r ON r.team_id = c.team
        WHERE (c.event_name = 'permission_mode_changed' AND r.modes_judged AND NOT arrayExists(p -> match(c.permission_mode, concat('(?i)', p)), r.mode_patterns))
           OR (c.event_name = 'tool_decision' AND r.tools_judged AND NOT arrayExists(p -> match(c.tool_name, concat('(?i)', p)), r.tool_patterns))
      ),
      expansions AS (
        SELECT ev.*, if(ev.user_email != '', ev.user_email, concat('install:', left(ev.user_id, 12))) AS who
        FROM events AS ev
        INNER JOIN expanding AS x
          ON x.team = ev.team AND x.event_name = ev.event_name AND x.permission_mode = ev.permission_mode AND x.tool_name = ev.tool_name
      ),
      (SELECT groupArray((who, team, email, install, modes, mode_changes, mode_triggers, tools, approvals, approval_sources, sessions, first_at, last_at, window_end, pointers))
       FROM (
        SELECT window_end, who, team, min(user_email) AS email, min(user_id) AS install,
          arraySort(groupUniqArrayIf(permission_mode, event_name = 'permission_mode_changed')) AS modes,
          countIf(event_name = 'permission_mode_changed') AS mode_changes,
          arraySort(groupUniqArrayIf(mode_trigger, event_name = 'permission_mode_changed' AND mode_trigger != '')) AS mode_triggers,
          arraySort(groupUniqArrayIf(tool_name, event_name = 'tool_decision')) AS tools,
          countIf(event_name = 'tool_decision') AS approvals,
          arraySort(groupUniqArrayIf(decision_source, event_name = 'tool_decision')) AS approval_sources,
          arraySlice(arraySort(groupUniqArray(session_id)), 1, 10) AS sessions,
          min(event_time) AS first_at, max(event_time) AS last_at,
          -- the first three expansions, as agent_events' primary key (session_id, event_time): their raw records are the samples
          arrayMap(t -> (t.2, t.1), groupArraySorted(3)((event_time, session_id))) AS pointers
        FROM expansions GROUP BY window_end, who, team
        HAVING mode_changes + approvals >= {minEvents:UInt32})) AS flagged,
      arrayFlatten(arrayMap(f -> f.15, flagged)) AS sample_pointers
    SELECT f.14 AS window_end, f.1 AS who, f.2 AS team, f.3 AS user_email, f.4 AS install_id, f.5 AS modes, f.6 AS mode_changes, f.7 AS mode_triggers,
      f.8 AS tools, f.9 AS approvals, f.10 AS approval_sources, f.11 AS sessions, f.12 AS first_at, f.13 AS last_at,
      x.samples AS samples
    FROM (SELECT n, flagged[n] AS f FROM (SELECT arrayJoin(arrayEnumerate(flagged)) AS n)) AS g
    -- each flagged row's own sample records, joined by row number: a cross join would copy every sample onto every row
    LEFT JOIN (
      SELECT fp.n AS n, arrayDistinct(arrayMap(r -> r.2, arraySort(r -> r.1, groupArray((e.event_time, e.raw))))) AS samples
      FROM (SELECT np.1 AS n, p FROM (SELECT arrayJoin(arrayZip(arrayEnumerate(flagged), arrayMap(f -> f.15, flagged))) AS np) ARRAY JOIN np.2 AS p) AS fp
      INNER JOIN (
        SELECT session_id, event_time, raw FROM agent_events
        WHERE (session_id, event_time) IN (SELECT p.1, p.2 FROM (SELECT arrayJoin(sample_pointers) AS p))
          AND event_name IN ('permission_mode_changed', 'tool_decision')) AS e
        ON e.session_id = fp.p.1 AND e.event_time = fp.p.2
      GROUP BY fp.n) AS x ON x.n = g.n
    ORDER BY window_end, first_at
  `,
  alert(row: Row) {
    const parts = [
      row.modes.length > 0 ? `switched into ${row.modes.join(', ')} ${row.mode_changes} time(s)${row.mode_triggers.length > 0 ? ` (trigger: ${row.mode_triggers.join(', ')})` : ''}` : '',
      row.tools.length > 0 ? `approved ${row.tools.join(', ')} through local settings (${row.approval_sources.join(', ')}) ${row.approvals} time(s)` : '',
    ].filter((s) => s !== '');
    return {
      entity: `${row.who}:local-permissions`,
      team: row.team,
      identity: row.user_email,
      credential: '',
      summary: `${row.who} (${row.team ? `team ${row.team}` : 'no team'}) ${parts.join(' and ')}, outside what the policy approves centrally, in ${row.sessions.length} session(s).`,
      evidence: {
        figures: {
          modes: row.modes,
          modeChanges: row.mode_changes,
          modeTriggers: row.mode_triggers,
          tools: row.tools,
          approvals: row.approvals,
          approvalSources: row.approval_sources,
          sessions: row.sessions,
          installId: row.install_id,
          firstAt: row.first_at,
          lastAt: row.last_at,
        },
        samples: row.samples,
      },
      ...utcDay(row.first_at),
    };
  },
});
