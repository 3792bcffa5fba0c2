import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { openStore, type Store } from '../../src/store/store.ts';
import { classifyInsertError, clickHouseCode } from '../../src/store/insert-errors.ts';
import { startChdbHttpServer, type ChdbHttpServer } from './chdb-http-server.ts';

/**
 * The test endpoint must behave like a ClickHouse server for everything driftwatch's server path
 * (openStore with CLICKHOUSE_URL) relies on, or tests run through it would prove nothing.
 */
let server: ChdbHttpServer;
let store: Store;

beforeAll(async () => {
  server = await startChdbHttpServer({ dataDir: mkdtempSync(join(tmpdir(), 'driftwatch-chhttp-')) });
  store = await openStore({ url: server.url, dataDir: '', database: 'harness', username: 'default', password: '' });
  expect(store.kind).toBe('server');
  await store.client.command({ query: 'CREATE TABLE t (id UInt32, s String, at DateTime64(3)) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100' });
  await store.client.command({ query: 'CREATE TABLE c (n UInt64) ENGINE = SummingMergeTree ORDER BY tuple() SETTINGS non_replicated_deduplication_window = 100' });
  await store.client.command({ query: 'CREATE MATERIALIZED VIEW c_mv TO c AS SELECT count() AS n FROM t' });
});
afterAll(async () => {
  await store?.close();
  await server?.close();
});

async function rows<T>(query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
  return (await store.client.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
}

describe('ClickHouse HTTP endpoint over the embedded engine (test harness)', () => {
  it('binds String, Array(String), DateTime64, UInt64 and NULL parameters as a server does', async () => {
    const tricky = "it's\ta \\ back\nslash";
    const [row] = await rows<Record<string, unknown>>(
      'SELECT {s:String} s, {a:Array(String)} a, toString({d:DateTime64(3)}) d, {u:UInt64} u, {n:Nullable(String)} n, currentDatabase() db',
      { s: tricky, a: [tricky, "o'k"], d: new Date(Date.UTC(2026, 9, 20, 1, 2, 3, 456)), u: '18446744073709551615', n: null },
    );
    expect(row).toEqual({ s: tricky, a: [tricky, "o'k"], d: '2026-10-20 01:02:03.456', u: '18446744073709551615', n: null, db: 'harness' });
  });

  it('keeps each request\'s parameters and settings to itself when requests run at once', async () => {
    const got = await Promise.all(Array.from({ length: 12 }, async (_, i) => {
      const res = await store.client.query({
        query: "SELECT {v:String} v, getSetting('max_block_size') m, sleepEachRow(0.05) FROM numbers(2) LIMIT 1",
        query_params: { v: `request ${i}` }, clickhouse_settings: { max_block_size: String(1000 + i) }, format: 'JSONEachRow',
      });
      const [row] = await res.json<{ v: string; m: string | number }>();
      return `${row?.v} ${Number(row?.m)}`;
    }));
    expect(got).toEqual(Array.from({ length: 12 }, (_, i) => `request ${i} ${1000 + i}`));
  });

  it('inserts TabSeparated and JSONEachRow bodies, deduplicating by token without leaking the token into the next insert', async () => {
    await store.insertRows('t', [{ id: 1, s: 'a', at: '2026-10-20 00:00:00.000' }], 'tok-1');
    await store.insertRows('t', [{ id: 1, s: 'a', at: '2026-10-20 00:00:00.000' }], 'tok-1');
    // Same rows, no token: a different block identity than tok-1's, so it is stored.
    await store.insertRows('t', [{ id: 1, s: 'a', at: '2026-10-20 00:00:00.000' }], '');
    await store.client.insert({ table: 't', values: [{ id: 2, s: 'b', at: '2026-10-20 00:00:00.000' }], format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: 'tok-2' } });
    await store.client.insert({ table: 't', values: [{ id: 2, s: 'b', at: '2026-10-20 00:00:00.000' }], format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: 'tok-2' } });
    expect(await rows('SELECT id, count() n FROM t GROUP BY id ORDER BY id')).toEqual([{ id: 1, n: '2' }, { id: 2, n: '1' }]);
    // The view saw the duplicate blocks skipped too (deduplicate_blocks_in_dependent_materialized_views).
    expect(await rows('SELECT sum(n) n FROM c')).toEqual([{ n: '3' }]);
    expect(await rows("SELECT getSetting('insert_deduplication_token') tok, getSetting('async_insert') async")).toEqual([{ tok: '', async: false }]);
  });

  it('answers an engine error as ClickHouseError with its code, which driftwatch classifies', async () => {
    const err = await store.insertTsv('t', ['id', 's', 'at'], Buffer.from('not-a-number\tx\t2026-10-20 00:00:00\n'), 'tok-bad').then(() => undefined, (e: unknown) => e);
    expect((err as Error).constructor.name).toBe('ClickHouseError');
    expect(clickHouseCode(err)).toBe(27); // CANNOT_PARSE_INPUT_ASSERTION_FAILED, as the engine says it
    expect(classifyInsertError(err)).toBe('poison');
    const unknown = await rows('SELECT * FROM no_such_table').then(() => undefined, (e: unknown) => e);
    expect(clickHouseCode(unknown)).toBe(60);
  });

  it('answers /ping, and goes down and comes back on the same port (a store outage)', async () => {
    const client = createClient({ url: server.url });
    try {
      expect((await client.ping()).success).toBe(true);
      await server.stop();
      const down = await client.ping();
      expect(down.success).toBe(false);
      const refused = await store.insertRows('t', [{ id: 3, s: 'c', at: '2026-10-20 00:00:00.000' }], 'tok-3').then(() => undefined, (e: unknown) => e);
      expect(classifyInsertError(refused)).toBe('retriable');
      await server.start();
      expect((await client.ping()).success).toBe(true);
      await store.insertRows('t', [{ id: 3, s: 'c', at: '2026-10-20 00:00:00.000' }], 'tok-3');
      expect(await rows('SELECT count() n FROM t WHERE id = 3')).toEqual([{ n: '1' }]);
    } finally {
      await client.close();
    }
  });

  it('answers gzip when the client asks for it', async () => {
    const client = createClient({ url: server.url, database: 'harness', compression: { response: true, request: true } });
    try {
      const [row] = await (await client.query({ query: 'SELECT count() n FROM t', format: 'JSONEachRow' })).json<{ n: string | number }>();
      expect(Number(row?.n)).toBe(4);
    } finally {
      await client.close();
    }
  });
});
