import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { clickhouseSection, kafkaSection, spawnDriftwatch, type Child } from '../helpers/driftwatch-process.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';
import { createTopics, groupProgress, produce } from '../helpers/kafka.ts';
import { generateTraffic } from '../fixtures/traffic.ts';

/**
 * The consumer runs as a child process and is killed with SIGKILL mid-stream, twice: once from
 * inside right after a batch's rows reached ClickHouse but before its offsets were committed (the
 * window where naive consumers duplicate), once from outside at an arbitrary moment. After the
 * restarts the stored rows equal the produced records exactly.
 */
const config = testConfig('crash');
const N = 30_000;
let store: Store | undefined;

function startIngest(env: Record<string, string> = {}): Child {
  const child = spawnDriftwatch({
    kafka: kafkaSection(config),
    clickhouse: clickhouseSection(config),
    ingest: { maxBatchRows: 700, maxBatchAgeMs: 300 },
    logLevel: 'warn',
  }, ['ingest', '--source', 'gateway'], { env });
  void child.exited.then(({ code, signal }) => { if (code && code !== 0) process.stderr.write(`ingest child exited ${code} ${signal}: ${child.text().slice(-4000)}\n`); });
  return child;
}

beforeAll(async () => {
  await createTopics(config, 3);
  const records = [...generateTraffic(N, { formats: ['litellm.spend_log', 'kong.ai_proxy', 'litellm.payload'], seed: 11 })];
  await produce(config, config.kafka.topics.gateway, records.map((r) => ({ value: r.value })), 3);
});
afterAll(async () => {
  await store?.close();
});

describe('crash and restart', () => {
  it('stores every record exactly once across SIGKILLs', async () => {
    const topic = config.kafka.topics.gateway;
    // 1. Killed by itself after the 4th batch is inserted, before that batch's commit.
    const first = startIngest({ DRIFTWATCH_FAULT_KILL_AFTER_INSERTS: '4' });
    expect((await first.exited).signal).toBe('SIGKILL');
    const afterFirst = await groupProgress(config, topic);
    expect(afterFirst.committed).toBeLessThan(N);

    // 2. Killed from outside while it is consuming.
    const second = startIngest();
    await waitFor(async () => (await groupProgress(config, topic)).committed > afterFirst.committed + 2000, 90_000, 'progress after restart');
    second.process.kill('SIGKILL');
    expect((await second.exited).signal).toBe('SIGKILL');
    expect((await groupProgress(config, topic)).committed).toBeLessThan(N);

    // 3. Runs to the end and stops gracefully.
    const third = startIngest();
    await waitFor(async () => (await groupProgress(config, topic)).committed === N, 120_000, 'all offsets committed');
    third.process.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);

    // The embedded engine allows one process per data dir: open it only now the children are gone.
    store = await testStore(config);
    expect(await count(store, 'SELECT count() c FROM gateway_requests')).toBe(N);
    expect(await count(store, 'SELECT uniqExact(source_partition, source_offset) c FROM gateway_requests')).toBe(N);
    expect(await count(store, 'SELECT count() c FROM ingest_rejects')).toBe(0);
    // Three child starts plus waits of up to 90 s and 120 s: more than the default 120 s on a loaded machine.
  }, 360_000);
});
