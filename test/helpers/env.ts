import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { migrate } from '../../src/store/migrate.ts';

export function testBrokers(): string[] {
  const brokers = process.env['KAFKA_BROKERS'] || inject('kafkaBrokers');
  if (!brokers) throw new Error('no test broker: the global set-up did not run (DRIFTWATCH_SKIP_BROKER=1?)');
  return brokers.split(',');
}

/** A config isolated for one test: unique topics, group and database / data dir. */
export function testConfig(name: string, overrides: Record<string, unknown> = {}): Config {
  const id = `${name}-${randomUUID().slice(0, 8)}`;
  return loadConfig({
    env: { ...process.env, KAFKA_BROKERS: testBrokers().join(','), DRIFTWATCH_DATA_DIR: mkdtempSync(join(tmpdir(), 'driftwatch-test-')) },
    overrides: {
      'kafka.groupId': `g-${id}`,
      'kafka.topics.gateway': `${id}.gateway`,
      'kafka.topics.billing': `${id}.billing`,
      'kafka.topics.idp': `${id}.idp`,
      'kafka.topics.agent': `${id}.agent`,
      'clickhouse.database': `t_${id.replace(/-/g, '_')}`,
      logLevel: process.env['LOG_LEVEL'] ?? 'warn',
      ...overrides,
    },
  });
}

export async function testStore(config: Config): Promise<Store> {
  const store = await openStore(config.clickhouse);
  await migrate(store);
  return store;
}

export async function count(store: Store, sql: string, params: Record<string, unknown> = {}): Promise<number> {
  const res = await store.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
  const rows = await res.json<{ c: string | number }>();
  return Number(rows[0]?.c ?? 0);
}

/** `what` names the condition in the timeout error; a function is read at the timeout (a child's last log lines, say). */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000, what: string | (() => string) = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
}
