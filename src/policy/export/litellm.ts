import { litellmExportSchema, type LitellmExport } from '../../../schemas/gateway-config/litellm.ts';
import { AppError } from '../../errors.ts';
import { providerOfModel, type ApprovedAccess, type ApprovedBudget } from './approved-access.ts';

/**
 * Approved access → LiteLLM configuration (schemas/gateway-config/litellm.ts), and back. Team
 * `models` and key `models` name `model_list` entries; a policy glob (`claude-sonnet-4-5*`) is a
 * LiteLLM wildcard model_name, routed to the same pattern at the provider, so dated model ids
 * match. Budgets: `max_budget` with `budget_duration` 1d (daily) or 30d (monthly). Provider
 * secrets are `os.environ/…` references, never values.
 */

const DURATION: Record<ApprovedBudget['period'], string> = { daily: '1d', monthly: '30d' };

/** Only the gateway's own keys; `gateway` = the policy gateway id of the LiteLLM proxy. */
export function toLitellm(access: ApprovedAccess, gateway: string): LitellmExport {
  const models = [...new Set(access.teams.flatMap((t) => t.models))].sort();
  return {
    config: {
      model_list: models.map((m) => {
        const provider = providerOfModel(m);
        return {
          model_name: m,
          litellm_params: provider === ''
            ? { model: m }
            : { model: `${provider}/${m}`, api_key: `os.environ/${provider.toUpperCase()}_API_KEY` },
        };
      }),
      general_settings: { master_key: 'os.environ/LITELLM_MASTER_KEY' },
    },
    teams: access.teams.map((t) => ({
      team_id: t.team,
      team_alias: t.name,
      models: t.models,
      max_budget: t.budget?.usd ?? null,
      budget_duration: t.budget ? DURATION[t.budget.period] : null,
      members_with_roles: t.members.map((email) => ({ role: email === t.owner ? 'admin' : 'user', user_email: email })),
      metadata: { source: 'driftwatch policy export' },
    })),
    keys: access.keys
      .filter((k) => k.gateway === gateway)
      .map((k) => ({
        ...(k.keyHash !== '' ? { key: k.keyHash } : {}),
        key_alias: k.alias,
        team_id: k.team,
        user_id: k.owner,
        models: k.models,
      })),
  };
}

/** What a LiteLLM configuration allows, in the terms of ApprovedAccess (names and members are not enforcement and stay empty). */
export function fromLitellm(doc: unknown, gateway: string): ApprovedAccess {
  const parsed = litellmExportSchema.safeParse(doc);
  if (!parsed.success) {
    throw new AppError('GATEWAY_CONFIG_INVALID', `not a LiteLLM policy export: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { gateway }, false);
  }
  const served = new Set(parsed.data.config.model_list.map((m) => m.model_name));
  // A team or key model without a model_list entry cannot be called: it allows nothing.
  const callable = (models: string[]) => models.filter((m) => served.has(m)).sort();
  const period = (d: string | null | undefined): ApprovedBudget['period'] | null => (d === '1d' ? 'daily' : d === '30d' ? 'monthly' : null);
  return {
    teams: parsed.data.teams.map((t) => {
      const p = period(t.budget_duration);
      return {
        team: t.team_id, name: '', owner: '', members: [], models: callable(t.models),
        budget: t.max_budget !== null && t.max_budget !== undefined && p !== null ? { usd: t.max_budget, period: p } : null,
      };
    }),
    keys: parsed.data.keys.map((k) => ({
      gateway, gatewayKind: 'litellm', alias: k.key_alias, keyHash: k.key ?? '', kongCredentialId: '', owner: k.user_id ?? '', team: k.team_id,
      models: callable(k.models),
    })),
  };
}
