import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TupleParam } from '@clickhouse/client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inlineParams } from './inline-params.ts';
import { selectRows } from './select-rows.ts';
import { openStore, type Store } from './store.ts';

describe('inlineParams (text)', () => {
  it('writes each named placeholder as a typed literal and leaves unnamed ones to the engine', () => {
    expect(inlineParams('SELECT {a:UInt32}, { b : Array(String) }, {c:String}', { a: 7, b: ["it's", 'x\\y'] }))
      .toBe("SELECT _CAST(7, 'UInt32'), _CAST(['it\\'s', 'x\\\\y'], 'Array(String)'), {c:String}");
    expect(inlineParams("SELECT {t:DateTime64(3, 'UTC')}", { t: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) }))
      .toBe("SELECT _CAST(fromUnixTimestamp64Milli(1767323045006, 'UTC'), 'DateTime64(3, \\'UTC\\')')");
  });

  it('refuses a value with no ClickHouse form, naming the parameter', () => {
    expect(() => inlineParams('SELECT {f:String}', { f: () => 1 })).toThrow(expect.objectContaining({ code: 'CH_PARAM_INVALID', context: { parameter: 'f' } }));
  });
});

/** The same statements on the embedded engine (or CLICKHOUSE_URL's server, which binds them itself). */
describe('inlined parameters on the engine', () => {
  let store: Store;
  beforeAll(async () => {
    const url = process.env['CLICKHOUSE_URL'];
    store = await openStore({ ...(url ? { url } : {}), dataDir: mkdtempSync(join(tmpdir(), 'driftwatch-params-')), database: 'inline_params', username: 'default', password: '' });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('reads back every kind of value the project binds, exactly', async () => {
    const nasty = "it's a \\ back'slash\n-- not a comment\ttab \u2028 ünïcode";
    const [row] = await selectRows<Record<string, unknown>>(store, `
      SELECT {s:String} AS s, {n:UInt32} AS n, {neg:Int64} AS neg, {f:Float64} AS f, {b:UInt8} AS b,
        {arr:Array(String)} AS arr, {empty:Array(String)} AS empty, {nums:Array(UInt32)} AS nums,
        {m:Map(String, String)} AS m, {d:Date} AS d, {t:DateTime64(3)} AS t, {tz:DateTime64(3, 'UTC')} AS tz,
        {tup:Tuple(String, UInt8)} AS tup, toTypeName({tz:DateTime64(3, 'UTC')}) AS tz_type`, {
      s: nasty, n: 4_000_000_000, neg: -42, f: 0.1, b: true, arr: [nasty, ''], empty: [], nums: [1, 2],
      m: { team: 'data', "o'k": 'v\\' }, d: '2026-12-05', t: '2026-12-05 01:02:03.456', tz: new Date(Date.UTC(2026, 11, 5, 1, 2, 3, 456)),
      tup: new TupleParam(['x', 1]),
    });
    expect(row).toEqual({
      s: nasty, n: 4_000_000_000, neg: -42, f: 0.1, b: 1, arr: [nasty, ''], empty: [], nums: [1, 2],
      m: { team: 'data', "o'k": 'v\\' }, d: '2026-12-05', t: '2026-12-05 01:02:03.456', tz: '2026-12-05 01:02:03.456',
      tup: ['x', 1], tz_type: "DateTime64(3, 'UTC')",
    });
  });

  it('keeps a value inside its literal: no quote, comment or line ends it', async () => {
    const rows = await selectRows<{ n: number }>(store, `
      SELECT toUInt32(number) AS n FROM numbers(5)
      -- the bound name: {name:String}
      WHERE toString(number) != {name:String}
      ORDER BY n LIMIT {lim:UInt32}`, { name: "x' OR 1 = 1 --\n OR number = 1", lim: 3 });
    expect(rows).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
  });

  it('takes parameters far longer than the default 256 KiB statement (an ingest look-up\'s keys)', async () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `litellm/msg_${String(i).padStart(30, '0')}`);
    const [row] = await selectRows<{ n: number; last: string }>(store, 'SELECT toUInt32(length({keys:Array(String)})) AS n, {keys:Array(String)}[-1] AS last', { keys });
    expect(row).toEqual({ n: 40_000, last: keys[39_999] });
  });

  it('runs a parameterized statement while another session\'s parameterized statement is still running', async () => {
    const fork = await store.fork();
    try {
      const finished: string[] = [];
      // About two seconds on the parent's session; the fork's read is asked for after it starts.
      const slow = selectRows(store, 'SELECT sum(sleepEachRow({pause:Float64})) AS s FROM numbers(4) SETTINGS max_block_size = 1', { pause: 0.5 })
        .then(() => finished.push('slow'));
      await new Promise((r) => setTimeout(r, 200));
      const quick = selectRows(fork, 'SELECT {one:UInt8} AS one', { one: 1 }).then(() => finished.push('quick'));
      await Promise.all([slow, quick]);
      expect(finished).toEqual(['quick', 'slow']);
    } finally {
      await fork.close();
    }
  });
});
