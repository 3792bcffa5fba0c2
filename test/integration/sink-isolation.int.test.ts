import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createLogger } from '../../src/telemetry/logger.ts';
import type { Store } from '../../src/store/store.ts';
import { ClickHouseSink } from '../../src/ingest/sink.ts';
import type { FlushBatch } from '../../src/ingest/batch.ts';
import { decodeSegment } from '../../src/ingest/segment.ts';
import { splitRows, joinRows } from '../../src/ingest/tsv-rows.ts';
import { classifyInsertError } from '../../src/store/insert-errors.ts';
import { AppError } from '../../src/errors.ts';
import { TABLE_COLUMNS } from '../../src/normalize/columns.ts';
import { count, testStore } from '../helpers/env.ts';
import { loadConfig } from '../../src/config/load.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Rows ClickHouse itself refuses (here: a token count that is not a number, which no decoder emits,
 * written into the encoded batch by hand) against the real engine: the refused row goes to
 * ingest_rejects with the engine's message and its origin, its neighbours are stored, and writing
 * the same batch again (a retry after a crash) stores nothing twice.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'driftwatch-test-'));
const config = loadConfig({ env: { ...process.env, DRIFTWATCH_DATA_DIR: dataDir }, overrides: { 'clickhouse.database': 'sink_isolation' } });
const spend = JSON.parse(readFileSync(new URL('../../schemas/samples/litellm-spend-log.json', import.meta.url), 'utf8')) as Record<string, unknown>;
let store: Store;

function batchWithRefusedRow(): FlushBatch {
  const values = Array.from({ length: 11 }, (_, i) => Buffer.from(JSON.stringify({ ...spend, request_id: `r${i}` })));
  const segment = decodeSegment({ source: 'gateway', topic: 'sink-test', partition: 3, offsets: values.map((_, i) => String(100 + i)), values,
    storePromptText: false, maxFutureSkewMs: 0, maxMessageBytes: 1 << 20 });
  const table = segment.tables.gateway_requests!;
  const rows = splitRows(table.tsv);
  // Row 5 (offset 105): its token count is not a number; the decoders never write this.
  const fields = Buffer.from(rows[5]!).toString('utf8').split('\t');
  fields[TABLE_COLUMNS.gateway_requests.indexOf('output_tokens')] = 'lots';
  rows[5] = Buffer.from(fields.join('\t'));
  return { topic: 'sink-test', partition: 3, firstOffset: '100', lastOffset: '110', tables: { gateway_requests: [{ tsv: joinRows(rows), rows: rows.length, ...(table.keys ? { keys: table.keys } : {}) }] },
    rejects: [], rowCount: rows.length, messageCount: 11, payloadBytes: 0 };
}

beforeAll(async () => {
  store = await testStore(config);
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('ClickHouse sink: rows the engine refuses', () => {
  it('stores the rest, rejects the refused row with the engine message and its origin, and is idempotent', async () => {
    const sink = new ClickHouseSink(store, createLogger('silent'), { baseDelayMs: 1 });
    await sink.write(batchWithRefusedRow());
    expect(sink.stats).toMatchObject({ rowsInserted: 10, rowsRefused: 1, rejectsInserted: 1 });
    expect(await count(store, 'SELECT count() c FROM gateway_requests')).toBe(10);
    expect(await count(store, `SELECT count() c FROM gateway_requests WHERE request_id = 'r5'`)).toBe(0);
    const res = await store.client.query({ query: 'SELECT source, topic, partition, toString(offset) o, reason, format, detail, raw FROM ingest_rejects', format: 'JSONEachRow' });
    const rejects = await res.json<Record<string, string | number>>();
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ source: 'gateway', topic: 'sink-test', partition: 3, o: '105', reason: 'insert_refused', format: 'litellm.spend_log' });
    expect(String(rejects[0]?.['detail'])).toMatch(/DB::Exception/);
    expect(JSON.parse(String(rejects[0]?.['raw']))).toMatchObject({ request_id: 'r5' });

    // The same batch again: same split, same tokens, nothing stored twice.
    await new ClickHouseSink(store, createLogger('silent'), { baseDelayMs: 1 }).write(batchWithRefusedRow());
    expect(await count(store, 'SELECT count() c FROM gateway_requests')).toBe(10);
    expect(await count(store, 'SELECT count() c FROM ingest_rejects')).toBe(1);
  });
});

describe('classifyInsertError', () => {
  it('poison for data errors, retriable for the engine being busy or unknown errors, fatal for non-retriable AppErrors', () => {
    expect(classifyInsertError(new Error('Code: 27. DB::Exception: Cannot parse input'))).toBe('poison');
    expect(classifyInsertError(Object.assign(new Error('x'), { code: '53', type: 'TYPE_MISMATCH' }))).toBe('poison');
    expect(classifyInsertError(new Error('Code: 252. DB::Exception: Too many parts'))).toBe('retriable');
    expect(classifyInsertError(new Error('Code: 241. DB::Exception: Memory limit exceeded'))).toBe('retriable');
    expect(classifyInsertError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('retriable');
    expect(classifyInsertError(new AppError('CH_UNAVAILABLE', 'gone', {}, true))).toBe('retriable');
    expect(classifyInsertError(new AppError('CONFIG_INVALID', 'bad', {}, false))).toBe('fatal');
  });
});
