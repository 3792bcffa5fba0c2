import { z } from 'zod';

/**
 * The `agentBoundaries` section of the policy (issue 14 part 3): what an agent session is expected
 * to reach, which permission settings are centrally approved, which MCP servers each task class
 * may use, and which entry paths and surfaces agent work is approved to take. Read by the four
 * boundary detectors through policy_agent_rules (schemas/clickhouse/0018_agent_boundaries.sql,
 * rows from src/policy/agent-rule-rows.ts). Every list holds globs (`*`, `?`), compared
 * case-insensitively. An absent list means "not judged", never "nothing allowed", so adopting a
 * section does not flood a team with alerts for a dimension nobody has described yet.
 */

const glob = z.string().min(1);
const teamId = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a team id from `teams`');

/** Repositories (`host/organisation`, e.g. github.com/acme), other hosts, MCP servers. */
const expectedSet = z
  .object({
    repositories: z.array(glob).optional(),
    hosts: z.array(glob).optional(),
    mcpServers: z.array(glob).optional(),
  })
  .strict();

/** The Claude Code permission modes and tool approvals that managed settings grant centrally. */
const permissionSet = z
  .object({
    /** Modes a session may switch into (`default`, `plan`, `acceptEdits`, `bypassPermissions`, …). */
    modes: z.array(glob).optional(),
    /** Tools approved in managed settings; a `config` / `user_permanent` approval of any other is local. */
    tools: z.array(glob).optional(),
  })
  .strict();

const mcpScope = z
  .object({
    /** MCP servers approved for the class. */
    servers: z.array(glob).default([]),
    /** MCP tools approved one by one (`mcp__<server>__<tool>`), on top of whole servers. */
    tools: z.array(glob).default([]),
  })
  .strict();

/** How agent work reaches a model (src/policy/agent-rule-rows.ts ENTRY_PATHS lists the kinds). */
export const ENTRY_PATHS = ['approved-gateway', 'other-gateway', 'direct-api-key', 'subscription-login', 'cloud-provider'] as const;

const surfaceSet = z
  .object({
    /** Entry paths approved (kinds in ENTRY_PATHS). */
    paths: z.array(z.enum(ENTRY_PATHS)).optional(),
    /** OTel `service.name` values approved (`claude-code`, `claude-code-desktop`). */
    services: z.array(glob).optional(),
    /** `terminal.type` values approved (`vscode`, `cursor`, `iTerm.app`, …). */
    terminals: z.array(glob).optional(),
  })
  .strict();

const teamEntry = <T extends z.ZodRawShape>(shape: T) => z.object({ team: teamId, ...shape }).strict();

export const agentBoundariesSchema = z
  .object({
    /** What sessions are expected to reach: org-wide, extended per team. */
    expected: z
      .object({ orgWide: expectedSet.prefault({}), teams: z.array(teamEntry(expectedSet.shape)).default([]) })
      .strict()
      .prefault({}),
    /** Centrally approved permission modes and tool approvals: org-wide, extended per team. */
    permissions: z
      .object({ orgWide: permissionSet.prefault({}), teams: z.array(teamEntry(permissionSet.shape)).default([]) })
      .strict()
      .prefault({}),
    /** MCP servers and tools per task class (ids from `taskClasses`), with per-team replacements. */
    mcpByTaskClass: z
      .array(
        z
          .object({ taskClass: z.string().min(1), ...mcpScope.shape, teamOverrides: z.array(teamEntry(mcpScope.shape)).default([]) })
          .strict(),
      )
      .default([]),
    /** Approved entry paths and surfaces: org-wide, replaced per team where a team lists its own. */
    surfaces: z
      .object({ orgWide: surfaceSet.prefault({}), teams: z.array(teamEntry(surfaceSet.shape)).default([]) })
      .strict()
      .prefault({}),
  })
  .strict();

export type AgentBoundaries = z.output<typeof agentBoundariesSchema>;

/** Team and task-class references of the section, for the policy's cross-checks. */
export function agentBoundaryReferences(b: AgentBoundaries): { teams: { value: string; path: (string | number)[] }[]; taskClasses: { value: string; path: (string | number)[] }[] } {
  const at = (...p: (string | number)[]) => ['agentBoundaries', ...p];
  return {
    teams: [
      ...b.expected.teams.map((t, i) => ({ value: t.team, path: at('expected', 'teams', i, 'team') })),
      ...b.permissions.teams.map((t, i) => ({ value: t.team, path: at('permissions', 'teams', i, 'team') })),
      ...b.surfaces.teams.map((t, i) => ({ value: t.team, path: at('surfaces', 'teams', i, 'team') })),
      ...b.mcpByTaskClass.flatMap((c, i) => c.teamOverrides.map((o, j) => ({ value: o.team, path: at('mcpByTaskClass', i, 'teamOverrides', j, 'team') }))),
    ],
    taskClasses: b.mcpByTaskClass.map((c, i) => ({ value: c.taskClass, path: at('mcpByTaskClass', i, 'taskClass') })),
  };
}
