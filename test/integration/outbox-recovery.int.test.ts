import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config/load.ts';
import type { Store } from '../../src/store/store.ts';
import { openStore } from '../../src/store/store.ts';
import { startReceiver, type Receiver } from '../helpers/http-receiver.ts';
import { logged, spawnDriftwatch } from '../helpers/driftwatch-process.ts';
import { waitFor } from '../helpers/env.ts';

/**
 * No delivery lost between storing an alert and queueing it: a process holding the scheduler lease
 * stores an alert exactly as a detector cycle does and is killed with SIGKILL before it queues the
 * alert (test/helpers/crash-after-persist.ts). A `driftwatch run --role detect --role deliver`
 * started afterwards on the same store takes the lease over once it expired (epoch 2), finds the
 * alert that was never queued, queues it, and delivers it to a real local webhook receiver exactly
 * once.
 */
const CRASH = fileURLToPath(new URL('../helpers/crash-after-persist.ts', import.meta.url));
const POLICY = fileURLToPath(new URL('../../policy.example.yaml', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'driftwatch-outbox-recovery-'));
const database = `t_outbox_recovery_${process.pid}`;
let receiver: Receiver | undefined;
let store: Store | undefined;
afterAll(async () => {
  await store?.close();
  await receiver?.close();
});

describe('outbox recovery after a crash between alert and outbox', () => {
  it('delivers the alert of a process SIGKILLed after storing it, exactly once after restart', async () => {
    receiver = await startReceiver();
    const crash = await promisify(execFile)(process.execPath, ['--import', 'tsx', CRASH, dataDir, database]).then(
      () => { throw new Error('the crash helper exited normally'); },
      (err: { signal?: string; stdout?: string }) => err,
    );
    expect(crash.signal).toBe('SIGKILL');
    const [alertId, fingerprint] = (crash.stdout ?? '').trim().split(' ');
    expect(alertId).toMatch(/^dw-/);

    const run = spawnDriftwatch({
      clickhouse: { dataDir, database },
      service: { leaseTtlMs: 3_000 },
      policyFile: POLICY,
      logLevel: 'info',
      alerts: {
        destinations: [{ name: 'hook', type: 'webhook', url: `${receiver.url}/hook`, secretFromEnv: 'HOOK_SECRET' }],
        routes: [{ destinations: ['hook'] }],
        dispatcher: { pollMs: 200 },
      },
    }, ['run', '--role', 'detect', '--role', 'deliver', '--detector', 'idp.unapproved-ai-app'], { env: { HOOK_SECRET: 'whsec-recovery-test' } });
    await waitFor(async () => receiver!.accepted.length > 0 || run.process.exitCode !== null, 120_000, 'the recovered alert delivered');
    const scheduler = logged(run, 'Lease acquired; role active').filter((l) => l['lease'] === 'scheduler');
    expect(scheduler.map((l) => l['epoch'])).toEqual([2]);
    const recovered = logged(run, 'Queued alerts that were stored but never queued for delivery (a run stopped between the two)');
    expect(recovered.map((l) => l['alerts'])).toEqual([[alertId]]);
    run.process.kill('SIGTERM');
    expect((await run.exited).code, run.text().slice(-3000)).toBe(0);

    expect(receiver.all).toHaveLength(1);
    expect(JSON.parse(receiver.accepted[0]?.body ?? '{}')).toMatchObject({ event: 'trigger', dedupKey: fingerprint });
    store = await openStore(loadConfig({ env: { DRIFTWATCH_DATA_DIR: dataDir, CLICKHOUSE_DATABASE: database, LOG_LEVEL: 'silent' } }).clickhouse);
    const res = await store.client.query({
      query: `SELECT destination, kind, state, attempts, (SELECT count() FROM alert_delivery_attempts) AS tries,
                     (SELECT count() FROM alert_triage FINAL WHERE alert_id = {id:String}) AS triaged
              FROM alert_deliveries FINAL ORDER BY destination, kind`,
      query_params: { id: alertId },
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    // One delivery, sent once, nothing left pending; the triage row now marks the alert as queued.
    expect(await res.json()).toEqual([{ destination: 'hook', kind: 'trigger', state: 'delivered', attempts: 1, tries: 1, triaged: 1 }]);
  });
});
