import { z } from 'zod';

/**
 * The Kong declarative configuration (decK, `_format_version: "3.0"`) that `driftwatch policy
 * export --to kong` writes, as read back. Only the parts that enforce the policy are validated:
 *  - `consumer_groups`: one per team, with an `ai-rate-limiting-advanced` plugin (policies mode,
 *    Kong 3.14+) whose cost-based limit is the team's budget (`tokens_count_strategy: cost`,
 *    `policies[].limits[]` `limit` / `window_size` in seconds, no provider partition);
 *  - `consumers`: one per gateway key of the policy (username = key alias), in its team's consumer
 *    group and ACL group;
 *  - `services[].routes[]`: one route per approved model, with `ai-proxy` pinned to that model
 *    (`config.model.provider` / `name`), `key-auth`, and an `acl` plugin allowing the teams the
 *    policy approves the model for.
 * Shapes from Kong's plugin references (ai-proxy, acl, key-auth, ai-rate-limiting-advanced) and decK.
 */

const plugin = z.looseObject({ name: z.string().min(1), config: z.record(z.string(), z.unknown()).default({}) });

export const kongRateLimitConfigSchema = z.looseObject({
  tokens_count_strategy: z.string().optional(),
  policies: z.array(z.looseObject({
    match: z.array(z.looseObject({ type: z.string(), key: z.string().optional(), values: z.array(z.string()).default([]) })).default([]),
    limits: z.array(z.looseObject({ limit: z.number().nonnegative(), window_size: z.number().int().positive() })).min(1),
  })).default([]),
});

export const kongAiProxyConfigSchema = z.looseObject({
  route_type: z.string(),
  model: z.looseObject({ provider: z.string().min(1), name: z.string().min(1) }),
});

export const kongAclConfigSchema = z.looseObject({ allow: z.array(z.string()).default([]), deny: z.array(z.string()).optional() });

export const kongDeclarativeSchema = z.looseObject({
  _format_version: z.literal('3.0'),
  consumer_groups: z.array(z.looseObject({ name: z.string().min(1), plugins: z.array(plugin).default([]) })).default([]),
  consumers: z.array(z.looseObject({
    username: z.string().min(1),
    custom_id: z.string().optional(),
    groups: z.array(z.looseObject({ name: z.string() })).default([]),
    acls: z.array(z.looseObject({ group: z.string() })).default([]),
  })).default([]),
  services: z.array(z.looseObject({
    name: z.string().min(1),
    routes: z.array(z.looseObject({ name: z.string().min(1), paths: z.array(z.string()).default([]), plugins: z.array(plugin).default([]) })).default([]),
  })).default([]),
});

export type KongDeclarative = z.infer<typeof kongDeclarativeSchema>;
