import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../src/store/store.ts';
import { testConfig, testStore, waitFor } from '../helpers/env.ts';

/**
 * Scheduler failover with real processes: replica A (`run --role detect`) takes the scheduler
 * lease and is killed with SIGKILL; replica B, started after on the same data directory, takes the
 * lease over once A's has expired (a 3 s TTL here), with the next epoch, and runs the detectors.
 *
 * Limitation: the embedded engine opens a data directory in one process at a time, so A and B
 * cannot run side by side here as they would against a ClickHouse server; two holders racing on one
 * store are covered in-process by lease.int.test.ts.
 */
const BIN = fileURLToPath(new URL('../../bin/driftwatch.js', import.meta.url));
const POLICY = fileURLToPath(new URL('../../policy.example.yaml', import.meta.url));
const config = testConfig('failover');
let store: Store | undefined;
afterAll(async () => {
  await store?.close();
});

interface Replica { child: ChildProcess; logs: () => Record<string, unknown>[] }

function startReplica(): Replica {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-failover-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, JSON.stringify({
    clickhouse: { dataDir: config.clickhouse.dataDir, database: config.clickhouse.database, ...(config.clickhouse.url ? { url: config.clickhouse.url } : {}) },
    service: { leaseTtlMs: 3_000 },
    policyFile: POLICY,
    logLevel: 'info',
  }));
  const child = spawn(process.execPath, [BIN, '--config', file, 'run', '--role', 'detect'], {
    env: { ...process.env, DRIFTWATCH_DATA_DIR: '', CLICKHOUSE_DATABASE: '', DRIFTWATCH_POLICY: '', LOG_LEVEL: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  child.stderr?.on('data', (d: Buffer) => { text += d.toString(); });
  const logs = () => text.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  return { child, logs };
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

const acquired = (r: Replica) => r.logs().filter((l) => l['msg'] === 'Lease acquired; role active');

describe('run --role detect failover', () => {
  it('a replica killed with SIGKILL is replaced by the next one once its lease expires', async () => {
    const a = startReplica();
    await waitFor(async () => a.logs().some((l) => l['msg'] === 'Detector run finished' || l['msg'] === 'Detector waiting for source data'), 90_000, 'replica A running detectors');
    expect(acquired(a).map((l) => l['epoch'])).toEqual([1]);
    a.child.kill('SIGKILL');
    expect((await exited(a.child)).signal).toBe('SIGKILL');

    const b = startReplica();
    await waitFor(async () => acquired(b).length > 0, 90_000, 'replica B takes the lease over');
    expect(acquired(b).map((l) => l['epoch'])).toEqual([2]);
    expect(acquired(b)[0]?.['holder']).not.toBe(acquired(a)[0]?.['holder']);
    await waitFor(async () => b.logs().some((l) => l['msg'] === 'Detector run finished' || l['msg'] === 'Detector waiting for source data'), 90_000, 'replica B running detectors');
    b.child.kill('SIGTERM');
    expect((await exited(b.child)).code).toBe(0);
    expect(b.logs().some((l) => l['msg'] === 'Role stopped' && l['role'] === 'detect')).toBe(true);

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
