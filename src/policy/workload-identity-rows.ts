import type { Policy } from '../../schemas/policy/policy.ts';
import { globToRegex } from './glob.ts';

/**
 * The workloadIdentity policy section → rows of policy_workloads_all and policy_key_rotation_all
 * (schemas/clickhouse/0019_provider_keys_and_workload_identity.sql), without policy_version.
 */

export interface WorkloadIdentityRows {
  policy_workloads_all: Record<string, unknown>[];
  policy_key_rotation_all: Record<string, unknown>[];
}

export function workloadIdentityRows(policy: Policy): WorkloadIdentityRows {
  const section = policy.workloadIdentity;
  const rotation = section?.providerKeys;
  return {
    policy_workloads_all: (section?.workloads ?? []).map((w) => ({
      workload_id: w.id,
      idp: w.idp,
      app_id: w.appId ?? '',
      principal_pattern: w.principal ? globToRegex(w.principal) : '',
      team_id: w.team,
      owner_email: w.owner,
      allowed_auth: w.allowedAuth,
      description: w.description ?? '',
    })),
    // '' = every provider; a provider's own row overrides it.
    policy_key_rotation_all: rotation
      ? [
          { provider: '', max_age_days: rotation.maxAgeDays },
          ...Object.entries(rotation.providers).map(([provider, days]) => ({ provider, max_age_days: days })),
        ]
      : [],
  };
}
