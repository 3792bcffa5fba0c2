import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../src/store/store.ts';
import { testConfig, testStore, waitFor } from '../helpers/env.ts';
import { clickhouseSection, logged, spawnDriftwatch, type Child } from '../helpers/driftwatch-process.ts';

/**
 * Scheduler failover with real processes: replica A (`run --role detect`) takes the scheduler
 * lease and is killed with SIGKILL; replica B, started after on the same data directory, takes the
 * lease over once A's has expired (a 3 s TTL here), with the next epoch, and runs the detectors.
 *
 * Limitation: the embedded engine opens a data directory in one process at a time, so A and B
 * cannot run side by side here as they would against a ClickHouse server; two holders racing on one
 * store are covered in-process by lease.int.test.ts.
 */
const POLICY = fileURLToPath(new URL('../../policy.example.yaml', import.meta.url));
const config = testConfig('failover');
let store: Store | undefined;
afterAll(async () => {
  await store?.close();
});

function startReplica(): Child {
  return spawnDriftwatch({
    clickhouse: clickhouseSection(config),
    service: { leaseTtlMs: 3_000 },
    policyFile: POLICY,
    logLevel: 'info',
  }, ['run', '--role', 'detect']);
}

const acquired = (r: Child) => logged(r, 'Lease acquired; role active');
const detecting = (r: Child) => r.logs().some((l) => l['msg'] === 'Detector run finished' || l['msg'] === 'Detector waiting for source data');

describe('run --role detect failover', () => {
  it('a replica killed with SIGKILL is replaced by the next one once its lease expires', async () => {
    const a = startReplica();
    await waitFor(async () => detecting(a), 90_000, 'replica A running detectors');
    expect(acquired(a).map((l) => l['epoch'])).toEqual([1]);
    a.process.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');

    const b = startReplica();
    await waitFor(async () => acquired(b).length > 0, 90_000, 'replica B takes the lease over');
    expect(acquired(b).map((l) => l['epoch'])).toEqual([2]);
    expect(acquired(b)[0]?.['holder']).not.toBe(acquired(a)[0]?.['holder']);
    await waitFor(async () => detecting(b), 90_000, 'replica B running detectors');
    b.process.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    expect(logged(b, 'Role stopped').some((l) => l['role'] === 'detect')).toBe(true);

    // No alert raised twice across the two tenures.
    const raised = [...a.logs(), ...b.logs()].filter((l) => l['msg'] === 'Alert raised').map((l) => l['fingerprint']);
    expect(new Set(raised).size).toBe(raised.length);

    store = await testStore(config);
    const res = await store.client.query({
      query: "SELECT epoch, holder, argMax(expires_at, renewed_at) <= now64(3) AS released FROM leases WHERE name = 'scheduler' GROUP BY epoch, holder ORDER BY epoch",
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    const rows = await res.json<{ epoch: number; holder: string; released: number }>();
    expect(rows.map((r) => [Number(r.epoch), r.holder])).toEqual([[1, acquired(a)[0]?.['holder']], [2, acquired(b)[0]?.['holder']]]);
    // B released on SIGTERM: a successor need not wait out the TTL.
    expect(Number(rows[1]?.released)).toBe(1);
  });
});
