import type { Policy } from '../../../schemas/policy/policy.ts';
import { globMatches } from '../glob.ts';

/**
 * What the policy approves, per team and per gateway key, at one instant: the gateway-neutral
 * middle of `driftwatch policy export` (litellm.ts and kong.ts render it; their readers parse a
 * rendered configuration back into it, which is how the round trip is tested).
 */

export interface ApprovedBudget {
  usd: number;
  /** The gateway's reset period: a day (86,400 s) or 30 days. */
  period: 'daily' | 'monthly';
}

export interface ApprovedTeam {
  team: string;
  name: string;
  owner: string;
  members: string[];
  /** Model ids or globs the team may use in any task class, sorted. */
  models: string[];
  budget: ApprovedBudget | null;
}

export interface ApprovedKey {
  gateway: string;
  gatewayKind: 'litellm' | 'kong';
  /** LiteLLM key alias or Kong consumer username. */
  alias: string;
  keyHash: string;
  kongCredentialId: string;
  owner: string;
  team: string;
  /** The models of the task classes whose keyAliases match the alias, else the team's models; sorted. */
  models: string[];
}

export interface ApprovedAccess {
  teams: ApprovedTeam[];
  keys: ApprovedKey[];
}

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

function modelsOf(policy: Policy, team: string, classes: Policy['taskClasses']): string[] {
  return sorted(classes.flatMap((c) => c.teamOverrides.find((o) => o.team === team)?.models ?? c.models));
}

/** The budget in force at `atMs`; the daily amount when there is one (it is what a gateway can stop within a day). */
function budgetAt(team: Policy['teams'][number], atMs: number): ApprovedBudget | null {
  const inForce = team.budgets.filter((b) => Date.parse(b.from) <= atMs).at(-1);
  if (inForce?.dailyUsd !== undefined) return { usd: inForce.dailyUsd, period: 'daily' };
  if (inForce?.monthlyUsd !== undefined) return { usd: inForce.monthlyUsd, period: 'monthly' };
  return null;
}

export function approvedAccess(policy: Policy, atMs: number): ApprovedAccess {
  const teams = policy.teams.map((t): ApprovedTeam => ({
    team: t.id,
    name: t.name,
    owner: t.owner,
    members: sorted(t.members
      .filter((m) => (m.from === undefined || Date.parse(m.from) <= atMs) && (m.to === undefined || atMs < Date.parse(m.to)))
      .map((m) => m.email)),
    models: modelsOf(policy, t.id, policy.taskClasses),
    budget: budgetAt(t, atMs),
  }));
  const keys = policy.gatewayKeys.flatMap((k): ApprovedKey[] => {
    const gateway = policy.gateways.find((g) => g.id === k.gateway);
    if (!gateway) return [];
    const alias = k.keyAlias ?? k.owner;
    const classes = policy.taskClasses.filter((c) => c.match.keyAliases.some((g) => globMatches(g, alias)));
    return [{
      gateway: gateway.id,
      gatewayKind: gateway.kind,
      alias,
      keyHash: k.keyHash ?? '',
      kongCredentialId: k.kongCredentialId ?? '',
      owner: k.owner,
      team: k.team,
      models: modelsOf(policy, k.team, classes.length > 0 ? classes : policy.taskClasses),
    }];
  });
  return { teams, keys };
}

/** Which provider serves a model id or glob, for the gateway's upstream settings ('' when unknown). */
export function providerOfModel(model: string): 'anthropic' | 'openai' | '' {
  const m = model.toLowerCase().replace(/^(anthropic|openai)\//, '');
  if (m.startsWith('claude')) return 'anthropic';
  if (/^(gpt|o\d|codex|chatgpt|text-embedding|dall-e|whisper|tts)/.test(m)) return 'openai';
  return '';
}
