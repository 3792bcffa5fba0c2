import type { Policy } from '../../schemas/policy/policy.ts';
import { globToRegex } from './glob.ts';

/**
 * The policy's `agentBoundaries` section → rows of policy_agent_rules
 * (schemas/clickhouse/0018_agent_boundaries.sql), resolved per team so a detector joins on its
 * team id alone; team '' holds the org-wide rules (for unattributed activity).
 *
 * - expected_* and permission rules: org-wide ∪ the team's own (a team extends the org's set).
 * - class_mcp_*: the team's override for the class if it has one, else the org-wide list (like
 *   policy_models).
 * - approved_*: the team's own list per dimension if it gives one, else the org-wide list.
 *
 * A list that is present, even empty, yields a row with an empty glob: it says "this dimension is
 * judged for this team" (its pattern `^$` matches no name). A dimension with no row is not judged.
 */

type Row = Record<string, unknown>;
type Scope = 'org' | 'team';

function rulesOf(rule: string, teamId: string, classId: string, globs: readonly string[] | undefined, scope: Scope): Row[] {
  if (globs === undefined) return [];
  return ['', ...globs].map((g) => ({ rule, team_id: teamId, class_id: classId, name_glob: g, name_pattern: g === '' ? '^$' : globToRegex(g), scope }));
}

function unionRules(rule: string, teamId: string, org: readonly string[] | undefined, team: readonly string[] | undefined): Row[] {
  return [...rulesOf(rule, teamId, '', org, 'org'), ...rulesOf(rule, teamId, '', team, 'team')];
}

export function agentRuleRows(policy: Policy): Row[] {
  const b = policy.agentBoundaries;
  const rows: Row[] = [];
  for (const teamId of ['', ...policy.teams.map((t) => t.id)]) {
    const expected = b.expected.teams.find((t) => t.team === teamId);
    const permissions = b.permissions.teams.find((t) => t.team === teamId);
    const surfaces = b.surfaces.teams.find((t) => t.team === teamId);
    const org = b.expected.orgWide;
    rows.push(
      ...unionRules('expected_repository', teamId, org.repositories, expected?.repositories),
      ...unionRules('expected_host', teamId, org.hosts, expected?.hosts),
      ...unionRules('expected_mcp_server', teamId, org.mcpServers, expected?.mcpServers),
      ...unionRules('permitted_mode', teamId, b.permissions.orgWide.modes, permissions?.modes),
      ...unionRules('preapproved_tool', teamId, b.permissions.orgWide.tools, permissions?.tools),
    );
    for (const [rule, dimension] of [['approved_path', 'paths'], ['approved_service', 'services'], ['approved_terminal', 'terminals']] as const) {
      const own = surfaces?.[dimension];
      rows.push(...(own !== undefined ? rulesOf(rule, teamId, '', own, 'team') : rulesOf(rule, teamId, '', b.surfaces.orgWide[dimension], 'org')));
    }
    for (const c of b.mcpByTaskClass) {
      const override = c.teamOverrides.find((o) => o.team === teamId);
      const scope: Scope = override ? 'team' : 'org';
      const use = override ?? c;
      rows.push(...rulesOf('class_mcp_server', teamId, c.taskClass, use.servers, scope), ...rulesOf('class_mcp_tool', teamId, c.taskClass, use.tools, scope));
    }
  }
  return rows;
}
