import { selectRows } from '../store/select-rows.ts';
import type { Store } from '../store/store.ts';
import { policyAt } from './policy-lookups.ts';
import { VersionCache } from './version-cache.ts';

/**
 * The policy constants the posture's queries judge by, read once per policy version and bound as
 * query parameters instead of being scalar subqueries inside each query.
 *
 * Why: on the embedded engine a scalar subquery is a pipeline of its own (~5 ms), and the derived
 * class arrays were folded again by every models query. On the 10 M-request day of bench:api the
 * models query spent 66 of its 125 ms median before reading a row; binding these cut it to 37.
 * A version is a content hash of the policy's rows (src/policy/sync.ts), so what is read at a
 * version never changes (version-cache.ts), and a sync is a new version.
 *
 * - approved_gateways: gateway kinds the policy approves (cross-source.session-without-gateway).
 * - owned_keys: gateway key ids and aliases the policy gives a named owner (ownerless-session).
 * - class_*: the task classes flattened in priority order, as gateway.routing-drift derives them:
 *   every class's tags / route / key alias / user agent patterns in one list per field, each
 *   entry tagged with its class's rank, so multiMatchAllIndices compiles a list once per query.
 * - cred_*: the policy credentials (provider, key id, workspace, principal pattern), one array
 *   per field (billing.unmanaged-key-usage).
 */
export interface PosturePolicy {
  [param: string]: string[] | number[];
  approved_gateways: string[];
  owned_keys: string[];
  class_ids: string[];
  class_tags: string[];
  class_tags_rank: number[];
  route_res: string[];
  route_rank: number[];
  alias_res: string[];
  alias_rank: number[];
  agent_res: string[];
  agent_rank: number[];
  cred_provider: string[];
  cred_key: string[];
  cred_workspace: string[];
  cred_principal: string[];
}

/** How the posture's SQL names the constants: the text that replaces each former scalar subquery. */
export const POSTURE_POLICY_PARAMS = `
  {approved_gateways:Array(String)} AS approved_gateways, {owned_keys:Array(String)} AS owned_keys,
  {class_ids:Array(String)} AS class_ids, {class_tags:Array(String)} AS class_tags, {class_tags_rank:Array(UInt32)} AS class_tags_rank,
  {route_res:Array(String)} AS route_res, {route_rank:Array(UInt32)} AS route_rank,
  {alias_res:Array(String)} AS alias_res, {alias_rank:Array(UInt32)} AS alias_rank,
  {agent_res:Array(String)} AS agent_res, {agent_rank:Array(UInt32)} AS agent_rank,
  {cred_provider:Array(String)} AS cred_provider, {cred_key:Array(String)} AS cred_key,
  {cred_workspace:Array(String)} AS cred_workspace, {cred_principal:Array(String)} AS cred_principal`;

const rank = (field: number) => `arrayFlatten(arrayMap((c, i) -> arrayResize([toUInt32(i)], length(c.${field}), toUInt32(i)), classes, arrayEnumerate(classes)))`;

const POSTURE_POLICY_SQL = `
WITH
  (SELECT groupArray((class_id, tags, route_patterns, key_alias_patterns, user_agent_patterns))
   FROM (SELECT * FROM ${policyAt('policy_task_classes')} ORDER BY priority)) AS classes,
  (SELECT groupArray((toString(provider), api_key_id, workspace_id, principal_pattern)) FROM ${policyAt('policy_credentials')} WHERE credential_id != '') AS credentials
SELECT
  (SELECT groupArray(DISTINCT toString(kind)) FROM ${policyAt('policy_gateways')}) AS approved_gateways,
  (SELECT groupArray(DISTINCT k) FROM (SELECT api_key_id AS k FROM ${policyAt('policy_gateway_keys')} WHERE api_key_id != '' AND owner_email != ''
                                       UNION ALL SELECT key_alias FROM ${policyAt('policy_gateway_keys')} WHERE key_alias != '' AND owner_email != '')) AS owned_keys,
  arrayMap(c -> c.1, classes) AS class_ids,
  arrayFlatten(arrayMap(c -> c.2, classes)) AS class_tags, ${rank(2)} AS class_tags_rank,
  arrayFlatten(arrayMap(c -> c.3, classes)) AS route_res, ${rank(3)} AS route_rank,
  arrayFlatten(arrayMap(c -> c.4, classes)) AS alias_res, ${rank(4)} AS alias_rank,
  arrayFlatten(arrayMap(c -> c.5, classes)) AS agent_res, ${rank(5)} AS agent_rank,
  arrayMap(c -> c.1, credentials) AS cred_provider, arrayMap(c -> c.2, credentials) AS cred_key,
  arrayMap(c -> c.3, credentials) AS cred_workspace, arrayMap(c -> c.4, credentials) AS cred_principal`;

const cache = new VersionCache<PosturePolicy>(16);

/** The posture's policy constants at a policy version (the `policy_version` policyLookups() returned). */
export function posturePolicy(store: Store, version: string): Promise<PosturePolicy> {
  // Scalar subqueries and aggregates without GROUP BY: always exactly one row.
  return cache.get(version, () => selectRows<PosturePolicy>(store, POSTURE_POLICY_SQL, { policy_version: version }).then((rows) => rows[0] as PosturePolicy));
}
