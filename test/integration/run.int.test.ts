import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../src/store/store.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';
import { createTopics, groupProgress, produce } from '../helpers/kafka.ts';
import { generateTraffic } from '../fixtures/traffic.ts';
import { clickhouseSection, kafkaSection, logged, spawnDriftwatch } from '../helpers/driftwatch-process.ts';

/**
 * `driftwatch run` with its default roles, as a child process on the embedded engine: it ingests
 * from the broker and runs the scheduler in one process on one store connection (the embedded
 * engine cannot be shared by two processes), and SIGTERM stops ingest (flush, commit) before the
 * scheduler, then closes the store and exits 0.
 */
const POLICY = fileURLToPath(new URL('../../policy.example.yaml', import.meta.url));
const config = testConfig('run');
const N = 2_000;
let store: Store | undefined;

beforeAll(async () => {
  await createTopics(config, 3);
  const records = [...generateTraffic(N, { formats: ['litellm.spend_log'], seed: 5 })];
  await produce(config, config.kafka.topics.gateway, records.map((r) => ({ value: r.value })), 3);
});
afterAll(async () => {
  await store?.close();
});

describe('driftwatch run', () => {
  it('ingests and schedules detectors in one process, and stops in order on SIGTERM', async () => {
    const run = spawnDriftwatch({
      kafka: kafkaSection(config),
      clickhouse: clickhouseSection(config),
      ingest: { maxBatchRows: 500, maxBatchAgeMs: 300, decodeWorkers: 1 },
      // Port 0: the api role binds a free port, so parallel test files never collide on 7070.
      service: { port: 0 },
      policyFile: POLICY,
      logLevel: 'info',
    }, ['run']);

    await waitFor(async () => (await groupProgress(config, config.kafka.topics.gateway)).committed === N, 120_000, 'every offset committed by run');
    await waitFor(async () => logged(run, 'Lease acquired; role active').length > 0, 60_000, 'scheduler active');
    expect(logged(run, 'driftwatch running')[0]?.['roles']).toEqual(['ingest', 'detect', 'deliver', 'api']);
    await waitFor(async () => logged(run, 'Lease acquired; role active').length >= 2, 60_000, 'dispatcher active');
    const port = logged(run, 'API listening')[0]?.['port'] as number;
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status, await ready.clone().text()).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/api/alerts`)).status).toBe(401);
    // Consumer lag per partition, set by the consumer as it commits: every gateway partition caught up.
    const lagOf = async () => (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).split('\n')
      .filter((l) => l.startsWith('driftwatch_consumer_lag_messages{') && l.includes(`topic="${config.kafka.topics.gateway}"`)).sort();
    await waitFor(async () => (await lagOf()).length === 3, 30_000, 'lag reported for the three gateway partitions');
    expect(await lagOf()).toEqual([0, 1, 2].map((p) => `driftwatch_consumer_lag_messages{topic="${config.kafka.topics.gateway}",partition="${p}"} 0`));

    run.process.kill('SIGTERM');
    expect((await run.exited).code, run.text().slice(-3000)).toBe(0);
    const stopped = logged(run, 'Role stopped').map((l) => l['role']);
    expect(stopped).toEqual(['ingest', 'detect', 'deliver', 'api']);

    store = await testStore(config);
    expect(await count(store, 'SELECT count() c FROM gateway_requests')).toBe(N);
    expect(await count(store, "SELECT count() c FROM leases WHERE name = 'scheduler'")).toBeGreaterThan(0);
  });
});
