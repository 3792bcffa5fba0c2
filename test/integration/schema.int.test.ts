import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import type { Store } from '../../src/store/store.ts';
import { migrate, readMigrations } from '../../src/store/migrate.ts';
import { TABLE_COLUMNS } from '../../src/normalize/columns.ts';
import { hasNaturalKey } from '../../src/normalize/natural-key.ts';
import { DATA_TABLES } from '../../src/normalize/rows.ts';
import { decodeMessage, decodeContext } from '../../src/decode/message.ts';
import type { SourceKind } from '../../src/decode/types.ts';
import { testConfig, testStore } from '../helpers/env.ts';

/**
 * The DDL, the insert column lists and what every decoder emits must agree; a drift here would
 * otherwise show up as a failed insert in production.
 */
const config = testConfig('schema');
let store: Store;
beforeAll(async () => {
  store = await testStore(config);
});
afterAll(async () => {
  await store?.close();
});

const SAMPLE_SOURCE: Record<string, SourceKind> = {
  'litellm-spend-log': 'gateway', 'litellm-payload': 'gateway', 'kong-ai': 'gateway',
  'litellm-payload-pubsub': 'gateway', 'kong-ai-proxy-3-6': 'gateway', 'kong-ai-mcp': 'gateway',
  'openai-usage': 'billing', 'openai-costs': 'billing', 'anthropic-usage': 'billing', 'anthropic-cost': 'billing', 'bedrock-invocation': 'billing',
  'openai-usage-embeddings': 'billing', 'openai-usage-images': 'billing', 'anthropic-claude-code': 'billing',
  'openai-usage-moderations': 'billing', 'openai-usage-audio-speeches': 'billing', 'openai-usage-audio-transcriptions': 'billing', 'openai-usage-vector-stores': 'billing', 'openai-usage-code-interpreter-sessions': 'billing',
  'openai-project-api-keys': 'billing', 'anthropic-api-keys': 'billing',
  'okta-token-grant': 'idp', 'okta-user-deactivate': 'idp', 'entra-signin-interactive': 'idp', 'entra-signin-service-principal': 'idp', 'entra-diagnostic-envelope': 'idp',
  'claude-code-flat': 'agent', 'claude-code-otlp': 'agent',
};

describe('schema contract', () => {
  it('insert column lists equal the live tables minus server-filled defaults', async () => {
    for (const table of [...DATA_TABLES, 'ingest_rejects'] as const) {
      const res = await store.client.query({
        query: `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String} AND default_kind = '' ORDER BY position`,
        query_params: { t: table }, format: 'JSONEachRow',
      });
      expect((await res.json<{ name: string }>()).map((r) => r.name), table).toEqual([...TABLE_COLUMNS[table]]);
    }
  });

  it('every decoder fills exactly the columns of its table', () => {
    const ctx = decodeContext(false, 86_400_000);
    const samples = readdirSync(new URL('../../schemas/samples/', import.meta.url)).filter((f) => f.endsWith('.json'));
    expect(samples.length).toBe(Object.keys(SAMPLE_SOURCE).length);
    for (const file of samples) {
      const name = file.replace(/\.json$/, '');
      const source = SAMPLE_SOURCE[name];
      expect(source, `sample ${name} has a source`).toBeDefined();
      const out = decodeMessage(source as SourceKind, readFileSync(new URL(`../../schemas/samples/${file}`, import.meta.url)), ctx, { maxMessageBytes: 1 << 20 });
      expect(out.rejects, name).toEqual([]);
      for (const r of out.records) {
        const coords = ['source_topic', 'source_partition', 'source_offset', 'record_index', ...(hasNaturalKey(r.table) ? ['natural_key'] : [])];
        expect([...Object.keys(r.row), ...coords].sort(), `${name} → ${r.table}`).toEqual([...TABLE_COLUMNS[r.table]].sort());
      }
    }
  });

  it('migrations are recorded and re-running them changes nothing', async () => {
    expect(await migrate(store)).toEqual([]);
    const res = await store.client.query({ query: 'SELECT count() c FROM schema_migrations FINAL', format: 'JSONEachRow' });
    expect(Number((await res.json<{ c: string }>())[0]?.c)).toBe(readMigrations().length);
  });
});
