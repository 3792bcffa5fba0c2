import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../src/store/store.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';
import { createTopics, groupProgress, produce } from '../helpers/kafka.ts';
import { generateTraffic } from '../fixtures/traffic.ts';

/**
 * The consumer runs as a child process and is killed with SIGKILL mid-stream, twice: once from
 * inside right after a batch's rows reached ClickHouse but before its offsets were committed (the
 * window where naive consumers duplicate), once from outside at an arbitrary moment. After the
 * restarts the stored rows equal the produced records exactly.
 */
const BIN = fileURLToPath(new URL('../../bin/driftwatch.js', import.meta.url));
const config = testConfig('crash');
const N = 30_000;
let store: Store | undefined;

function startIngest(extraEnv: Record<string, string> = {}): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-crash-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, JSON.stringify({
    kafka: { brokers: config.kafka.brokers, groupId: config.kafka.groupId, topics: config.kafka.topics, sessionTimeoutMs: 6_000 },
    clickhouse: { dataDir: config.clickhouse.dataDir, database: config.clickhouse.database, ...(config.clickhouse.url ? { url: config.clickhouse.url } : {}) },
    ingest: { maxBatchRows: 700, maxBatchAgeMs: 300 },
    logLevel: 'warn',
  }));
  const child = spawn(process.execPath, [BIN, '--config', file, 'ingest', '--source', 'gateway'], {
    env: { ...process.env, KAFKA_BROKERS: '', DRIFTWATCH_DATA_DIR: '', CLICKHOUSE_DATABASE: '', ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000); });
  child.on('exit', (code, signal) => { if (code && code !== 0) process.stderr.write(`ingest child exited ${code} ${signal}: ${err}\n`); });
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

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
    expect((await exited(first)).signal).toBe('SIGKILL');
    const afterFirst = await groupProgress(config, topic);
    expect(afterFirst.committed).toBeLessThan(N);

    // 2. Killed from outside while it is consuming.
    const second = startIngest();
    await waitFor(async () => (await groupProgress(config, topic)).committed > afterFirst.committed + 2000, 90_000, 'progress after restart');
    second.kill('SIGKILL');
    expect((await exited(second)).signal).toBe('SIGKILL');
    expect((await groupProgress(config, topic)).committed).toBeLessThan(N);

    // 3. Runs to the end and stops gracefully.
    const third = startIngest();
    await waitFor(async () => (await groupProgress(config, topic)).committed === N, 120_000, 'all offsets committed');
    third.kill('SIGTERM');
    expect((await exited(third)).code).toBe(0);

    // The embedded engine allows one process per data dir: open it only now the children are gone.
    store = await testStore(config);
    expect(await count(store, 'SELECT count() c FROM gateway_requests')).toBe(N);
    expect(await count(store, 'SELECT uniqExact(source_partition, source_offset) c FROM gateway_requests')).toBe(N);
    expect(await count(store, 'SELECT count() c FROM ingest_rejects')).toBe(0);
  });
});
