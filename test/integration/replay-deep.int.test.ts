import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { replayFiles } from '../../src/ingest/replay.ts';
import type { Store } from '../../src/store/store.ts';
import { count, testStore } from '../helpers/env.ts';

/**
 * Issue 9 item 2: `replay` of a record nested 5,000 levels deep crashed with a RangeError in the
 * redaction walk and JSON.stringify. It must be one `too_deep` reject beside its good neighbours.
 */
const dir = mkdtempSync(join(tmpdir(), 'driftwatch-test-'));
const config = loadConfig({ env: { ...process.env, DRIFTWATCH_DATA_DIR: join(dir, 'data') }, overrides: { 'clickhouse.database': 'replay_deep' } });
const spend = JSON.parse(readFileSync(new URL('../../schemas/samples/litellm-spend-log.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const deep = (levels: number) => `{"request_id":"deep","api_key":"k","metadata":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}`;
let store: Store;

beforeAll(async () => {
  store = await testStore(config);
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('replay of a deeply nested record', () => {
  it('rejects the 5,000-level record as too_deep and stores its neighbours', async () => {
    const file = join(dir, 'deep.ndjson');
    const good = (id: string) => JSON.stringify({ ...spend, request_id: id });
    writeFileSync(file, `${good('before')}\n${deep(5_000)}\n${good('after')}\n`);
    const summary = await replayFiles('gateway', [file], config, store, createLogger('silent'));
    expect(summary).toMatchObject({ accepted: 2, rejected: 1, rejectReasons: { too_deep: 1 } });
    expect(await count(store, 'SELECT count() c FROM gateway_requests')).toBe(2);
    expect(await count(store, `SELECT count() c FROM ingest_rejects WHERE reason = 'too_deep' AND offset = 1`)).toBe(1);
  });

  it('rejects a whole-document file of 5,000 levels the same way', async () => {
    const file = join(dir, 'deep.json');
    writeFileSync(file, deep(5_000));
    const summary = await replayFiles('gateway', [file], config, store, createLogger('silent'));
    expect(summary).toMatchObject({ accepted: 0, rejected: 1, rejectReasons: { too_deep: 1 } });
  });
});
