import {
  kongAclConfigSchema,
  kongAiProxyConfigSchema,
  kongDeclarativeSchema,
  kongRateLimitConfigSchema,
  type KongDeclarative,
} from '../../../schemas/gateway-config/kong.ts';
import { AppError } from '../../errors.ts';
import { providerOfModel, type ApprovedAccess, type ApprovedBudget } from './approved-access.ts';

/**
 * Approved access → Kong declarative configuration (schemas/gateway-config/kong.ts), and back.
 * Kong's ai-proxy sends one configured model per route, so each approved model gets a route of
 * its own whose ACL allows exactly the teams approved for it; a policy glob with a trailing `*`
 * (`claude-sonnet-4-5*`) is pinned to its stem, which the provider resolves to the newest version.
 * A glob with a wildcard elsewhere cannot be pinned and is reported, not exported.
 */

const WINDOW: Record<ApprovedBudget['period'], number> = { daily: 86_400, monthly: 2_592_000 };
const UPSTREAM: Record<'anthropic' | 'openai', { url: string; header: string; value: string }> = {
  anthropic: { url: 'https://api.anthropic.com', header: 'x-api-key', value: '{vault://env/anthropic-api-key}' },
  openai: { url: 'https://api.openai.com', header: 'Authorization', value: 'Bearer {vault://env/openai-api-key}' },
};

/** The model a route pins for a policy model or glob; null when the glob cannot be pinned. */
export function pinnedModel(glob: string): string | null {
  const stem = glob.endsWith('*') ? glob.slice(0, -1) : glob;
  return stem === '' || /[*?]/.test(stem) || providerOfModel(stem) === '' ? null : stem;
}

const slug = (model: string) => model.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export interface KongRender {
  config: KongDeclarative;
  /** Policy models no route could be made for (not pinnable or unknown provider). */
  unpinned: string[];
}

export function toKong(access: ApprovedAccess, gateway: string): KongRender {
  const globs = [...new Set(access.teams.flatMap((t) => t.models))].sort();
  const unpinned = globs.filter((g) => pinnedModel(g) === null);
  const byProvider = new Map<'anthropic' | 'openai', KongDeclarative['services'][number]['routes']>();
  for (const glob of globs) {
    const model = pinnedModel(glob);
    const provider = model === null ? '' : providerOfModel(model);
    if (model === null || provider === '') continue;
    const up = UPSTREAM[provider];
    const routes = byProvider.get(provider) ?? [];
    byProvider.set(provider, routes);
    routes.push({
      name: `ai-${slug(model)}`,
      paths: [`/ai/${slug(model)}`],
      plugins: [
        { name: 'ai-proxy', config: { route_type: 'llm/v1/chat', auth: { header_name: up.header, header_value: up.value }, model: { provider, name: model } } },
        { name: 'key-auth', config: { key_names: ['apikey'] } },
        { name: 'acl', config: { allow: access.teams.filter((t) => t.models.includes(glob)).map((t) => t.team), hide_groups_header: true } },
      ],
    });
  }
  const providers = [...byProvider.keys()].sort();
  const config: KongDeclarative = {
    _format_version: '3.0',
    consumer_groups: access.teams.map((t) => ({
      name: t.team,
      plugins: t.budget === null ? [] : [{
        name: 'ai-rate-limiting-advanced',
        // Policies mode (Kong 3.14+) without a provider match: one counter across every provider,
        // so the team's budget is its total, not a budget per provider.
        config: {
          tokens_count_strategy: 'cost',
          policies: [{
            match: [{ type: 'consumer_group', key: 'name', values: [t.team] }],
            limits: [{ limit: t.budget!.usd, window_size: WINDOW[t.budget!.period] }],
          }],
        },
      }],
    })),
    consumers: access.keys.filter((k) => k.gateway === gateway).map((k) => ({
      username: k.alias,
      custom_id: k.owner,
      groups: [{ name: k.team }],
      acls: [{ group: k.team }],
    })),
    services: providers.map((p) => ({ name: `driftwatch-ai-${p}`, url: UPSTREAM[p].url, routes: byProvider.get(p) ?? [] })),
  };
  return { config, unpinned };
}

function invalid(what: string, issues: { path: PropertyKey[]; message: string }[], gateway: string): AppError {
  return new AppError('GATEWAY_CONFIG_INVALID', `${what}: ${issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`, { gateway }, false);
}

/** Team → models its consumers can reach (routes whose ACL allows the team), from a decK file. */
function modelsByGroup(config: KongDeclarative, gateway: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const route of config.services.flatMap((s) => s.routes)) {
    const proxy = route.plugins.find((p) => p.name === 'ai-proxy');
    const acl = route.plugins.find((p) => p.name === 'acl');
    // Without key-auth and an ACL a route is open to anyone: it enforces nothing for a team.
    if (!proxy || !acl || !route.plugins.some((p) => p.name === 'key-auth')) continue;
    const model = kongAiProxyConfigSchema.safeParse(proxy.config);
    const allow = kongAclConfigSchema.safeParse(acl.config);
    if (!model.success) throw invalid(`route ${route.name} ai-proxy`, model.error.issues, gateway);
    if (!allow.success) throw invalid(`route ${route.name} acl`, allow.error.issues, gateway);
    for (const group of allow.data.allow) out.set(group, (out.get(group) ?? new Set()).add(model.data.model.name));
  }
  return out;
}

function budgetOf(plugins: { name: string; config: Record<string, unknown> }[], gateway: string): ApprovedBudget | null {
  const limit = plugins.find((p) => p.name === 'ai-rate-limiting-advanced');
  if (!limit) return null;
  const parsed = kongRateLimitConfigSchema.safeParse(limit.config);
  if (!parsed.success) throw invalid('ai-rate-limiting-advanced', parsed.error.issues, gateway);
  if (parsed.data.tokens_count_strategy !== 'cost') return null;
  // A limit that is partitioned by provider is not a team total.
  const total = parsed.data.policies.find((p) => !p.match.some((m) => m.type === 'provider'));
  const first = total?.limits[0];
  const period = first?.window_size === WINDOW.daily ? 'daily' : first?.window_size === WINDOW.monthly ? 'monthly' : null;
  return first !== undefined && period !== null ? { usd: first.limit, period } : null;
}

/** What a decK file allows, in the terms of ApprovedAccess with models as the routes' pinned names. */
export function fromKong(doc: unknown, gateway: string): ApprovedAccess {
  const parsed = kongDeclarativeSchema.safeParse(doc);
  if (!parsed.success) throw invalid('not a Kong declarative configuration', parsed.error.issues, gateway);
  const models = modelsByGroup(parsed.data, gateway);
  const reach = (group: string) => [...(models.get(group) ?? [])].sort();
  return {
    teams: parsed.data.consumer_groups.map((g) => ({
      team: g.name, name: '', owner: '', members: [], models: reach(g.name), budget: budgetOf(g.plugins, gateway),
    })),
    keys: parsed.data.consumers.map((c) => {
      const groups = c.acls.map((a) => a.group);
      return {
        gateway, gatewayKind: 'kong', alias: c.username, keyHash: '', kongCredentialId: '', owner: c.custom_id ?? '',
        team: c.groups[0]?.name ?? groups[0] ?? '',
        models: [...new Set(groups.flatMap(reach))].sort(),
      };
    }),
  };
}
