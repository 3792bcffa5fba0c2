import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceKind } from '../../src/decode/types.ts';
import { scratchDir, sharedScratchStore, truncateTables, type ScratchStore } from '../../src/detect/scratch-store.ts';
import { replayFiles } from '../../src/ingest/replay.ts';
import { NATURAL_KEY_TABLES } from '../../src/normalize/natural-key.ts';
import { plantedDay } from '../../src/simulate/planted-day.ts';
import { DDL_DIR, splitStatements } from '../../src/store/migrate.ts';
import { withRollups } from '../../src/store/rollups.ts';
import { selectRows } from '../../src/store/select-rows.ts';
import { createLogger } from '../../src/telemetry/logger.ts';

/**
 * 0026_natural_key_backfill.sql gives the rows stored before 0024 the natural key the ingest
 * computes (src/normalize/natural-key.ts). Proven the direct way: every sample format and the
 * planted day go through the real pipeline (keys computed by the ingest), the keys are blanked as a
 * store from before 0024 holds them, the migration's statements run, and each row's key must be
 * the one the ingest gave it — except usage and cost buckets, which the migration leaves unkeyed.
 */

const log = createLogger('error');
const BACKFILL = splitStatements(readFileSync(join(DDL_DIR, '0026_natural_key_backfill.sql'), 'utf8'));
const SAMPLES: Record<SourceKind, string[]> = {
  gateway: ['litellm-spend-log', 'litellm-payload', 'litellm-payload-pubsub', 'kong-ai', 'kong-ai-proxy-3-6', 'kong-ai-mcp'],
  billing: ['openai-usage', 'openai-costs', 'anthropic-usage', 'anthropic-cost', 'bedrock-invocation', 'anthropic-claude-code'],
  idp: ['okta-token-grant', 'okta-user-deactivate', 'entra-signin-interactive', 'entra-signin-service-principal', 'entra-diagnostic-envelope'],
  agent: ['claude-code-flat', 'claude-code-otlp'],
};
/** A row by where it came from: its Kafka coordinate, which the backfill does not touch. */
const ROWS_SQL = (table: string) => `SELECT concat(source_topic, '/', toString(source_partition), '/', toString(source_offset), '/', toString(record_index)) AS at,
  natural_key AS k, ${table === 'provider_usage' ? "toString(kind) = 'invocation'" : '1'} AS keyed_by_backfill FROM ${table} ORDER BY at`;

let scratch: ScratchStore;

beforeAll(async () => {
  scratch = await sharedScratchStore();
  await truncateTables(scratch.store, withRollups(NATURAL_KEY_TABLES));
  const dir = scratchDir('natural-key-backfill');
  const scenario = plantedDay();
  for (const source of Object.keys(SAMPLES) as SourceKind[]) {
    const samples = SAMPLES[source].map((name) => JSON.stringify(JSON.parse(readFileSync(join(DDL_DIR, '..', 'samples', `${name}.json`), 'utf8'))));
    const file = join(dir, `${source}.ndjson`);
    writeFileSync(file, `${[...samples, ...scenario.records[source].map((r) => JSON.stringify(r))].join('\n')}\n`);
    await replayFiles(source, [file], scratch.config, scratch.store, log);
  }
}, 300_000);

afterAll(async () => {
  await truncateTables(scratch.store, withRollups(NATURAL_KEY_TABLES));
});

describe('0026_natural_key_backfill.sql', () => {
  it('gives rows stored without a natural key the key the ingest computes; buckets stay unkeyed', async () => {
    const { store } = scratch;
    const before: Record<string, { at: string; k: string; keyed_by_backfill: number }[]> = {};
    for (const table of NATURAL_KEY_TABLES) {
      before[table] = await selectRows(store, ROWS_SQL(table));
      expect(before[table]?.filter((r) => r.k !== '').length, `${table}: rows keyed by the ingest`).toBeGreaterThan(0);
      await store.client.command({ query: `ALTER TABLE ${table} UPDATE natural_key = '' WHERE 1`, clickhouse_settings: { mutations_sync: '1' } });
    }

    for (const statement of BACKFILL) await store.client.command({ query: statement });

    for (const table of NATURAL_KEY_TABLES) {
      const after = await selectRows<{ at: string; k: string }>(store, ROWS_SQL(table));
      const expected = (before[table] ?? []).map((r) => ({ at: r.at, k: r.keyed_by_backfill ? r.k : '' }));
      expect(after.map((r) => ({ at: r.at, k: r.k })), table).toEqual(expected);
    }
    // Bedrock invocations are keyed again; the buckets (usage, cost, Claude Code analytics) are not.
    const billing = (before['provider_usage'] ?? []);
    expect(billing.some((r) => r.keyed_by_backfill && r.k !== '')).toBe(true);
    expect(billing.some((r) => !r.keyed_by_backfill && r.k !== '')).toBe(true);
  });

  it('is a no-op on a second run: keys already there are kept', async () => {
    const { store } = scratch;
    const first = await Promise.all(NATURAL_KEY_TABLES.map((t) => selectRows(store, ROWS_SQL(t))));
    for (const statement of BACKFILL) await store.client.command({ query: statement });
    expect(await Promise.all(NATURAL_KEY_TABLES.map((t) => selectRows(store, ROWS_SQL(t))))).toEqual(first);
  });
});
