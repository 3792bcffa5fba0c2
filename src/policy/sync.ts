import { createHash } from 'node:crypto';
import type { Policy } from '../../schemas/policy/policy.ts';
import type { Store } from '../store/store.ts';
import { selectRows } from '../store/select-rows.ts';
import type { Logger } from '../telemetry/logger.ts';
import { toClickHouseTime } from '../normalize/time.ts';
import { policyRows, type PolicyRows, type PolicyTable } from './rows.ts';

/**
 * Writes the policy into ClickHouse so detectors JOIN it (schemas/clickhouse/0007_policy.sql).
 *
 * Order: rows of every *_all table under the new policy_version first, the policy_versions row
 * last. That last insert is the commit point: the policy_* views switch to the new version in one
 * step, so a detector running concurrently sees either the old or the new policy, never a mix.
 * The version is a hash of the rows, which makes a re-sync of an unchanged policy a no-op and a
 * crashed sync safe to retry (same deduplication tokens).
 */

export interface PolicySyncResult {
  version: string;
  /** False when this exact policy was already the one in force. */
  changed: boolean;
  rowCounts: Record<string, number>;
}


// loaded_at orders activations; two syncs within one millisecond (tests do this) must not tie.
let lastLoadedMs = 0;
function nextLoadedAt(): string {
  lastLoadedMs = Math.max(Date.now(), lastLoadedMs + 1);
  return toClickHouseTime(lastLoadedMs);
}

export function policyVersion(rows: PolicyRows): string {
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex').slice(0, 16);
}

/** The policy_version the policy_* views currently show ('' before the first sync). */
export async function currentPolicyVersion(store: Store): Promise<string> {
  const [row] = await selectRows<{ v: string }>(store, 'SELECT argMax(policy_version, loaded_at) AS v FROM policy_versions');
  return row?.v ?? '';
}

async function versionStored(store: Store, version: string): Promise<boolean> {
  const [row] = await selectRows<{ n: number }>(store, 'SELECT count() AS n FROM policy_versions WHERE policy_version = {v:String}', { v: version });
  return Number(row?.n ?? 0) > 0;
}

export async function syncPolicy(store: Store, policy: Policy, source: string, log?: Logger): Promise<PolicySyncResult> {
  const rows = policyRows(policy);
  const version = policyVersion(rows);
  const rowCounts = Object.fromEntries(Object.entries(rows).map(([t, r]) => [t.replace(/_all$/, ''), r.length]));
  if ((await currentPolicyVersion(store)) === version) return { version, changed: false, rowCounts };

  // Rows of a version already stored are complete (its commit row exists); only re-activate it.
  if (!(await versionStored(store, version))) {
    for (const [table, values] of Object.entries(rows) as [PolicyTable, Record<string, unknown>[]][]) {
      if (values.length === 0) continue;
      await store.client.insert({
        table,
        values: values.map((v) => ({ policy_version: version, ...v })),
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: `policy:${version}:${table}` },
      });
    }
  }
  await store.client.insert({
    table: 'policy_versions',
    values: [{ policy_version: version, loaded_at: nextLoadedAt(), source, row_counts: rowCounts }],
    format: 'JSONEachRow',
    // Each activation is its own event (re-activating an older version must insert again).
    clickhouse_settings: { insert_deduplication_token: '' },
  });
  log?.info({ policyVersion: version, source, rowCounts }, 'Policy synced to ClickHouse');
  return { version, changed: true, rowCounts };
}
