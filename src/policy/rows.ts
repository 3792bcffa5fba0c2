import type { Policy, PolicyCredential } from '../../schemas/policy/policy.ts';
import { canonicalModel } from '../normalize/model.ts';
import { toClickHouseTime } from '../normalize/time.ts';
import { globToRegex } from './glob.ts';
import { agentRuleRows } from './agent-rule-rows.ts';
import { workloadIdentityRows, type WorkloadIdentityRows } from './workload-identity-rows.ts';

/**
 * Policy → rows of the policy_* tables (schemas/clickhouse/0007_policy.sql), without the
 * policy_version column (sync.ts adds it). Pure, so the resolution rules — team overrides replace
 * org-wide models, team tools extend org-wide tools, budgets end where the next begins — are unit
 * tested without a database.
 */

export const OPEN_START = '1970-01-01 00:00:00.000';
export const OPEN_END = '2299-12-31 23:59:59.000';

/** Policy time (date = UTC midnight, or ISO instant) → ClickHouse DateTime64(3) text. */
export function policyTimeToClickHouse(value: string | undefined, open: string): string {
  if (value === undefined) return open;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  return toClickHouseTime(ms);
}

export interface PolicyRows extends WorkloadIdentityRows {
  policy_teams_all: Record<string, unknown>[];
  policy_team_aliases_all: Record<string, unknown>[];
  policy_team_members_all: Record<string, unknown>[];
  policy_budgets_all: Record<string, unknown>[];
  policy_task_classes_all: Record<string, unknown>[];
  policy_models_all: Record<string, unknown>[];
  policy_credentials_all: Record<string, unknown>[];
  policy_gateway_keys_all: Record<string, unknown>[];
  policy_gateways_all: Record<string, unknown>[];
  policy_tools_all: Record<string, unknown>[];
  policy_ai_apps_all: Record<string, unknown>[];
  policy_agent_rules_all: Record<string, unknown>[];
  policy_detector_params_all: Record<string, unknown>[];
}

export type PolicyTable = keyof PolicyRows;

function modelRows(teamId: string, classId: string, globs: string[], scope: 'org' | 'team'): Record<string, unknown>[] {
  // Canonicalise like the decoders do, so `bedrock/us.anthropic.claude-…-v1:0` in a policy works.
  return globs.map((g) => {
    const canonical = g.includes('*') || g.includes('?') ? g.toLowerCase() : canonicalModel(g);
    return { team_id: teamId, class_id: classId, model_glob: g, model_pattern: globToRegex(canonical), scope };
  });
}

function toolRows(teamId: string, tools: string[], servers: string[], scope: 'org' | 'team'): Record<string, unknown>[] {
  return [
    ...tools.map((t) => ({ team_id: teamId, kind: 'tool', name_glob: t, name_pattern: globToRegex(t), scope })),
    ...servers.map((s) => ({ team_id: teamId, kind: 'mcp_server', name_glob: s, name_pattern: globToRegex(s), scope })),
  ];
}

function credentialRow(c: PolicyCredential): Record<string, unknown> {
  const common = { credential_id: c.id, provider: c.provider, gateway_id: c.gateway, team_id: c.team ?? '', description: c.description ?? '' };
  switch (c.provider) {
    case 'anthropic':
      return { ...common, api_key_id: c.apiKeyId ?? '', workspace_id: c.workspaceId ?? '', principal_pattern: '' };
    case 'openai':
      return { ...common, api_key_id: c.apiKeyId ?? '', workspace_id: c.projectId ?? '', principal_pattern: '' };
    case 'bedrock':
      return {
        ...common,
        api_key_id: '',
        workspace_id: c.awsAccount ?? '',
        principal_pattern: c.awsPrincipalArn ? globToRegex(c.awsPrincipalArn) : '',
      };
  }
}

/** Overrides per detector and scope (team '' = organisation-wide), sorted: the version hash must not depend on key order. */
function detectorParamRows(policy: Policy): Record<string, unknown>[] {
  const json = (values: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(values).sort(([a], [b]) => a.localeCompare(b))));
  return Object.entries(policy.detectors).sort(([a], [b]) => a.localeCompare(b)).flatMap(([detectorId, o]) => [
    ...(Object.keys(o.params).length > 0 ? [{ detector_id: detectorId, team_id: '', params: json(o.params) }] : []),
    ...Object.entries(o.teams).sort(([a], [b]) => a.localeCompare(b)).map(([team, values]) => ({ detector_id: detectorId, team_id: team, params: json(values) })),
  ]);
}

export function policyRows(policy: Policy): PolicyRows {
  const orgTools = policy.tools.orgWide;
  const rows: PolicyRows = {
    policy_teams_all: [],
    policy_team_aliases_all: [],
    policy_team_members_all: [],
    policy_budgets_all: [],
    policy_task_classes_all: [],
    policy_models_all: [],
    policy_credentials_all: policy.credentials.map(credentialRow),
    policy_gateway_keys_all: policy.gatewayKeys.map((k) => ({
      gateway_id: k.gateway,
      gateway_kind: policy.gateways.find((g) => g.id === k.gateway)?.kind ?? '',
      api_key_id: k.keyHash ?? k.kongCredentialId ?? '',
      key_alias: k.keyAlias ?? '',
      owner_email: k.owner,
      team_id: k.team,
    })),
    policy_gateways_all: policy.gateways.map((g) => ({ gateway_id: g.id, kind: g.kind, url: g.url ?? '' })),
    policy_tools_all: toolRows('', orgTools.tools, orgTools.mcpServers, 'org'),
    policy_ai_apps_all: policy.aiApps.map((a) => ({
      idp: a.idp,
      app_id: a.appId ?? '',
      app_name: (a.name ?? '').toLowerCase(),
      team_ids: a.teams,
      description: a.description ?? '',
    })),
    policy_agent_rules_all: agentRuleRows(policy),
    policy_detector_params_all: detectorParamRows(policy),
    ...workloadIdentityRows(policy),
  };

  for (const team of policy.teams) {
    rows.policy_teams_all.push({ team_id: team.id, name: team.name, owner_email: team.owner, aliases: team.aliases, idp_groups: team.idpGroups });
    for (const alias of new Set([team.id, ...team.aliases].map((a) => a.toLowerCase()))) {
      rows.policy_team_aliases_all.push({ alias, team_id: team.id });
    }
    for (const m of team.members) {
      rows.policy_team_members_all.push({
        team_id: team.id,
        email: m.email,
        valid_from: policyTimeToClickHouse(m.from, OPEN_START),
        valid_to: policyTimeToClickHouse(m.to, OPEN_END),
      });
    }
    team.budgets.forEach((b, i) => {
      const prev = team.budgets[i - 1];
      const next = team.budgets[i + 1];
      rows.policy_budgets_all.push({
        team_id: team.id,
        effective_from: policyTimeToClickHouse(b.from, OPEN_START),
        effective_to: policyTimeToClickHouse(next?.from, OPEN_END),
        daily_usd: b.dailyUsd ?? null,
        monthly_usd: b.monthlyUsd ?? null,
        daily_tokens: b.dailyTokens ?? null,
        monthly_tokens: b.monthlyTokens ?? null,
        previous_daily_usd: prev?.dailyUsd ?? null,
        previous_monthly_usd: prev?.monthlyUsd ?? null,
        note: b.note ?? '',
      });
    });
    rows.policy_tools_all.push(
      ...toolRows(team.id, orgTools.tools, orgTools.mcpServers, 'org'),
      ...toolRows(team.id, team.tools?.tools ?? [], team.tools?.mcpServers ?? [], 'team'),
    );
  }

  policy.taskClasses.forEach((c, priority) => {
    rows.policy_task_classes_all.push({
      class_id: c.id,
      priority,
      description: c.description ?? '',
      tags: c.match.tags,
      route_patterns: c.match.routes.map(globToRegex),
      key_alias_patterns: c.match.keyAliases.map(globToRegex),
      user_agent_patterns: c.match.userAgents.map(globToRegex),
    });
    rows.policy_models_all.push(...modelRows('', c.id, c.models, 'org'));
    for (const team of policy.teams) {
      const override = c.teamOverrides.find((o) => o.team === team.id);
      rows.policy_models_all.push(...(override ? modelRows(team.id, c.id, override.models, 'team') : modelRows(team.id, c.id, c.models, 'org')));
    }
  });
  return rows;
}
