import { selectRows } from '../store/select-rows.ts';
import type { Store } from '../store/store.ts';
import { VersionCache } from './version-cache.ts';

/**
 * The policy as the console's views read it: pinned to one policy version per request, and the team
 * lookups (team-sql.ts) computed once per policy version and period instead of in every query.
 *
 * Why: every policy_* view finds the newest version with a scalar subquery of its own, and each
 * lookup is a scalar subquery too; on the embedded engine each costs a pipeline (~5 ms CPU), and the
 * posture page's four queries ran about thirty of them. A version is a content hash of the policy's
 * rows (src/policy/sync.ts), so lookups read by version from the *_all tables are fixed for ever: a
 * cache keyed by (version, period) is never stale, and a sync shows up as a new version at once.
 */

export interface PolicyLookups {
  [param: string]: string | Record<string, string>;
  policy_version: string;
  key_team: Record<string, string>;
  alias_team: Record<string, string>;
  member_team: Record<string, string>;
}

/** A policy_* view's rows at the request's version ({policy_version:String}), usable where the view's name was. */
export const policyAt = (table: string) => `(SELECT * EXCEPT policy_version FROM ${table}_all WHERE policy_version = {policy_version:String})`;

const LOOKUPS_SQL = `
WITH (SELECT argMax(policy_version, loaded_at) FROM policy_versions) AS version
SELECT version AS policy_version,
  (SELECT mapFromArrays(groupArray(api_key_id), groupArray(team)) FROM (
     SELECT api_key_id, any(team_id) AS team FROM policy_gateway_keys_all
     WHERE policy_version = version AND api_key_id != '' AND team_id != '' GROUP BY api_key_id)) AS key_team,
  (SELECT mapFromArrays(groupArray(alias), groupArray(team)) FROM (
     SELECT alias, any(team_id) AS team FROM policy_team_aliases_all WHERE policy_version = version GROUP BY alias)) AS alias_team,
  (SELECT mapFromArrays(groupArray(email), groupArray(team)) FROM (
     SELECT email, argMax(team_id, valid_from) AS team FROM policy_team_members_all
     WHERE policy_version = version AND valid_from < toDateTime64({to:Date}, 3) AND valid_to > toDateTime64({from:Date}, 3) GROUP BY email)) AS member_team`;

const VERSION_SQL = 'SELECT argMax(policy_version, loaded_at) AS v FROM policy_versions';
const CACHED_PERIODS = 256;
const cache = new VersionCache<PolicyLookups>(CACHED_PERIODS);

/** The policy version the policy_* views show now ('' before the first sync): the parameter policyAt() reads at. */
export async function policyVersion(store: Store): Promise<string> {
  const [row] = await selectRows<{ v: string }>(store, VERSION_SQL);
  return row?.v ?? '';
}

/** The current policy version and its team lookups for whole UTC days [from, to) (YYYY-MM-DD): query parameters. */
export async function policyLookups(store: Store, from: string, to: string): Promise<PolicyLookups> {
  const version = await policyVersion(store);
  const key = `${version}\t${from}\t${to}`;
  // The lookups name the version they were read at; a sync between the two reads files them under that one.
  // An aggregate without GROUP BY: always exactly one row.
  const lookups = await cache.get(key, () => selectRows<PolicyLookups>(store, LOOKUPS_SQL, { from, to }).then((rows) => rows[0] as PolicyLookups));
  if (lookups.policy_version !== version) cache.delete(key);
  return lookups;
}
