import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Policy } from '../../../schemas/policy/policy.ts';
import { kongDeclarativeSchema } from '../../../schemas/gateway-config/kong.ts';
import { litellmExportSchema } from '../../../schemas/gateway-config/litellm.ts';
import { globMatches } from '../glob.ts';
import { EXAMPLE_POLICY_FILE, parsePolicy } from '../load.ts';
import { fromKong, pinnedModel } from './kong.ts';
import { fromLitellm } from './litellm.ts';
import { exportPolicy } from './render.ts';

// Pinned: the budgets and memberships in force on this instant are exported.
const AT = Date.parse('2026-10-20T12:00:00Z');
const policy = parsePolicy(readFileSync(EXAMPLE_POLICY_FILE, 'utf8'), EXAMPLE_POLICY_FILE);

/** The policy's own answer, computed from the file, not from the exporter: is `model` approved for `team` in any task class? */
function policyApproves(p: Policy, team: string, model: string, classes = p.taskClasses): boolean {
  return classes.some((c) => (c.teamOverrides.find((o) => o.team === team)?.models ?? c.models).some((g) => globMatches(g, model)));
}

// Model ids clients send: dated versions, aliases, and models nobody approved.
const REQUESTED = [
  'claude-sonnet-4-5-20250929', 'claude-sonnet', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001', 'gpt-5-codex',
  'gpt-5-mini-2025-08-07', 'gpt-4o', 'claude-3-opus-20240229', 'claude-opus-4-5',
];

function litellmDoc(): unknown {
  return parse(exportPolicy(policy, { to: 'litellm', atMs: AT }).text);
}

function kongDoc(): unknown {
  return parse(exportPolicy(policy, { to: 'kong', atMs: AT }).text);
}

describe('policy export --to litellm', () => {
  it('writes config.yaml models, team settings and key settings in LiteLLM shapes, secrets as environment references', () => {
    const doc = litellmExportSchema.parse(litellmDoc());
    expect(doc.config.model_list).toContainEqual({
      model_name: 'claude-sonnet-4-5*',
      litellm_params: { model: 'anthropic/claude-sonnet-4-5*', api_key: 'os.environ/ANTHROPIC_API_KEY' },
    });
    expect(doc.teams.find((t) => t.team_id === 'team-platform-eng')).toMatchObject({
      team_alias: 'Platform Engineering', max_budget: 250, budget_duration: '1d',
      members_with_roles: [
        { role: 'user', user_email: 'alice@example.com' },
        { role: 'admin', user_email: 'dana.lee@example.com' },
      ],
    });
    expect(doc.keys.map((k) => k.key_alias).sort()).toEqual(['alice-claude-code', 'carol-claude-code', 'web-review-bot']);
    expect(JSON.stringify(doc)).not.toMatch(/sk-[A-Za-z0-9]{8,}/);
  });

  it('read back, allows each team exactly the models the policy approves it, within its budget', () => {
    const allowed = fromLitellm(litellmDoc(), 'litellm-prod');
    for (const team of policy.teams) {
      const t = allowed.teams.find((x) => x.team === team.id)!;
      for (const model of REQUESTED) {
        expect([team.id, model, t.models.some((g) => globMatches(g, model))]).toEqual([team.id, model, policyApproves(policy, team.id, model)]);
      }
    }
    expect(allowed.teams.map((t) => [t.team, t.budget])).toEqual([
      ['team-platform-eng', { usd: 250, period: 'daily' }], ['team-data', { usd: 80, period: 'daily' }],
      ['team-web', { usd: 60, period: 'daily' }], ['team-ml', { usd: 300, period: 'daily' }],
    ]);
  });

  it('read back, allows each key only its task class models (a review bot key cannot run the coding models of its team)', () => {
    const allowed = fromLitellm(litellmDoc(), 'litellm-prod');
    const bot = allowed.keys.find((k) => k.alias === 'web-review-bot')!;
    const review = policy.taskClasses.filter((c) => c.id === 'review');
    expect(bot.team).toBe('team-web');
    for (const model of REQUESTED) {
      expect([model, bot.models.some((g) => globMatches(g, model))]).toEqual([model, policyApproves(policy, 'team-web', model, review)]);
    }
    expect(allowed.keys.find((k) => k.alias === 'alice-claude-code')).toMatchObject({ team: 'team-platform-eng', owner: 'alice@example.com', keyHash: policy.gatewayKeys[0]!.keyHash });
  });

  it('notices an edited configuration: a model added to a team is allowed beyond the policy', () => {
    const doc = litellmDoc() as { config: { model_list: object[] }; teams: { team_id: string; models: string[] }[] };
    doc.config.model_list.push({ model_name: 'gpt-4o', litellm_params: { model: 'openai/gpt-4o' } });
    doc.teams.find((t) => t.team_id === 'team-web')!.models.push('gpt-4o');
    const web = fromLitellm(doc, 'litellm-prod').teams.find((t) => t.team === 'team-web')!;
    expect(web.models.includes('gpt-4o')).not.toBe(policyApproves(policy, 'team-web', 'gpt-4o'));
    expect(() => fromLitellm({ config: {}, teams: [], keys: [] }, 'litellm-prod')).toThrow(/config\.model_list/);
  });
});

describe('policy export --to kong', () => {
  it('writes a decK file: consumer groups with cost budgets, consumers in their team, one ai-proxy route per model', () => {
    const doc = kongDeclarativeSchema.parse(kongDoc());
    expect(doc._format_version).toBe('3.0');
    const route = doc.services.flatMap((s) => s.routes).find((r) => r.name === 'ai-gpt-5-codex')!;
    expect(route.plugins.map((p) => p.name)).toEqual(['ai-proxy', 'key-auth', 'acl']);
    expect(route.plugins[0]!.config).toMatchObject({ route_type: 'llm/v1/chat', model: { provider: 'openai', name: 'gpt-5-codex' } });
    expect(route.plugins[2]!.config['allow']).toEqual(['team-platform-eng', 'team-data', 'team-web', 'team-ml']);
    expect(doc.consumers).toEqual([
      { username: 'alice@example.com', custom_id: 'alice@example.com', groups: [{ name: 'team-platform-eng' }], acls: [{ group: 'team-platform-eng' }] },
      { username: 'erin.walsh@example.com', custom_id: 'erin.walsh@example.com', groups: [{ name: 'team-ml' }], acls: [{ group: 'team-ml' }] },
    ]);
    expect(exportPolicy(policy, { to: 'kong', atMs: AT }).unpinned).toEqual([]);
  });

  it('read back, lets each team reach exactly the approved models, with its budget', () => {
    const allowed = fromKong(kongDoc(), 'kong-prod');
    const pinned = [...new Set(policy.taskClasses.flatMap((c) => [...c.models, ...c.teamOverrides.flatMap((o) => o.models)]).map((g) => pinnedModel(g)!))];
    for (const team of policy.teams) {
      const t = allowed.teams.find((x) => x.team === team.id)!;
      for (const model of [...pinned, 'gpt-4o', 'claude-3-opus-20240229']) {
        expect([team.id, model, t.models.includes(model)]).toEqual([team.id, model, policyApproves(policy, team.id, model)]);
      }
    }
    expect(allowed.teams.find((t) => t.team === 'team-ml')!.budget).toEqual({ usd: 300, period: 'daily' });
    expect(allowed.keys.find((k) => k.alias === 'erin.walsh@example.com')!.models).toContain('claude-opus-4-1');
    expect(allowed.keys.find((k) => k.alias === 'alice@example.com')!.models).not.toContain('claude-opus-4-1');
  });

  it('notices an edited configuration: a route without its ACL is open and enforces nothing for the team', () => {
    const doc = kongDoc() as { services: { routes: { name: string; plugins: { name: string }[] }[] }[] };
    const route = doc.services.flatMap((s) => s.routes).find((r) => r.name === 'ai-claude-opus-4-1')!;
    route.plugins = route.plugins.filter((p) => p.name !== 'acl');
    const ml = fromKong(doc, 'kong-prod').teams.find((t) => t.team === 'team-ml')!;
    expect(ml.models.includes('claude-opus-4-1')).not.toBe(policyApproves(policy, 'team-ml', 'claude-opus-4-1'));
  });

  it('refuses a gateway of the other kind and reports globs it cannot pin', () => {
    expect(() => exportPolicy(policy, { to: 'kong', gateway: 'litellm-prod', atMs: AT })).toThrow(/not a kong gateway/);
    const odd: Policy = { ...policy, taskClasses: [{ ...policy.taskClasses[0]!, models: ['claude-*-sonnet'], teamOverrides: [] }] };
    expect(exportPolicy(odd, { to: 'kong', atMs: AT }).unpinned).toEqual(['claude-*-sonnet']);
  });
});
