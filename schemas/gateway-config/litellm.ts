import { z } from 'zod';

/**
 * The LiteLLM configuration `driftwatch policy export --to litellm` writes, as read back (zod at
 * the edge: an operator may have edited it). Three parts:
 *  - `config`: the proxy's config.yaml (`model_list` entries: `model_name` + `litellm_params`);
 *  - `teams`: bodies for `POST /team/new` (or `/team/update`): `team_id`, `team_alias`, `models`,
 *    `max_budget`, `budget_duration`, `members_with_roles` — LiteLLM keeps teams in its database;
 *  - `keys`: bodies for `POST /key/update` (existing virtual key by its hash) or `/key/generate`:
 *    `key_alias`, `team_id`, `user_id`, `models`.
 * Shapes from BerriAI/litellm (docs/proxy/team_budgets, proxy/virtual_keys, proxy/configs).
 */

export const litellmModelSchema = z.looseObject({
  model_name: z.string().min(1),
  litellm_params: z.looseObject({ model: z.string().min(1), api_key: z.string().optional() }),
});

export const litellmTeamSchema = z.looseObject({
  team_id: z.string().min(1),
  team_alias: z.string().optional(),
  models: z.array(z.string()),
  max_budget: z.number().nonnegative().nullable().optional(),
  budget_duration: z.string().regex(/^\d+[smhd]$/, 'LiteLLM durations look like 1d, 30d').nullable().optional(),
  members_with_roles: z.array(z.looseObject({ role: z.enum(['admin', 'user']), user_email: z.string().optional(), user_id: z.string().optional() })).default([]),
});

export const litellmKeySchema = z.looseObject({
  /** The virtual key's hash when the key exists (LiteLLM stores and logs only the hash). */
  key: z.string().optional(),
  key_alias: z.string().min(1),
  team_id: z.string().min(1),
  user_id: z.string().optional(),
  models: z.array(z.string()),
});

export const litellmExportSchema = z.looseObject({
  config: z.looseObject({ model_list: z.array(litellmModelSchema) }),
  teams: z.array(litellmTeamSchema),
  keys: z.array(litellmKeySchema),
});

export type LitellmExport = z.infer<typeof litellmExportSchema>;
export type LitellmTeam = z.infer<typeof litellmTeamSchema>;
export type LitellmKey = z.infer<typeof litellmKeySchema>;
