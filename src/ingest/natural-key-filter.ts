import type { Store } from '../store/store.ts';
import { LOOKUP_COLUMNS, NATURAL_KEY_TABLES, type KeyedTable } from '../normalize/natural-key.ts';
import type { OffsetRange } from './batch.ts';
import type { EncodedTable, RowKeys } from './segment.ts';
import { joinRows, splitRows } from './tsv-rows.ts';

/** What the filter kept of one table's part of a batch. */
export interface UniqueRows {
  payload: Uint8Array;
  rows: number;
  /** Rows dropped because their natural key is stored at another coordinate, or earlier in the batch. */
  duplicates: number;
  /** Rows without a natural key: stored, never deduplicated. */
  keyless: number;
}

/**
 * The look-up of a batch's natural keys among the rows already stored, by the table's ORDER BY
 * prefix (LOOKUP_COLUMNS) so ClickHouse reads only the granules those (prefix, event_time) pairs
 * point at; the key itself is compared in the same pass. Built from constants: no value is
 * interpolated, the batch's values arrive as typed array parameters.
 */
const LOOKUP_SQL = Object.fromEntries(NATURAL_KEY_TABLES.map((table) => {
  const columns = LOOKUP_COLUMNS[table];
  const zipped = [...columns.map((_, i) => `{c${i}:Array(String)}`), '{k:Array(String)}'].join(', ');
  const picked = columns.map((c, i) => (c === 'event_time' ? `toDateTime64(z.${i + 1}, 3, 'UTC')` : `z.${i + 1}`));
  const where = columns.map((c) => `toString(${c})`).join(', ');
  return [table, `SELECT natural_key AS k, [${where}] AS w, toString(source_topic) AS t, source_partition AS p, toString(source_offset) AS o, record_index AS i
    FROM ${table}
    WHERE (${columns.join(', ')}, natural_key) IN (SELECT ${picked.join(', ')}, z.${columns.length + 1} FROM (SELECT arrayJoin(arrayZip(${zipped})) AS z))`];
})) as Record<KeyedTable, string>;

interface StoredCopy { k: string; w: string[]; t: string; p: number; o: string; i: number }

/**
 * What makes two rows the same record: the natural key at the same ORDER BY prefix and event
 * time, the very tuple the look-up matches stored rows on. Two events of one session with the same
 * sequence and name but different times are different records, inside a batch as across batches.
 */
const identity = (key: string, where: readonly string[]) => JSON.stringify([key, ...where]);

/** Every part's keys as one set of columns, in payload order; undefined if a part has none. */
function concatKeys(parts: readonly EncodedTable[]): RowKeys | undefined {
  if (parts.length === 1) return parts[0]?.keys;
  const first = parts[0]?.keys;
  if (!first || parts.some((p) => !p.keys)) return undefined;
  const all = parts.map((p) => p.keys as RowKeys);
  return {
    key: all.flatMap((k) => k.key),
    lookup: first.lookup.map((_, c) => all.flatMap((k) => k.lookup[c] as string[])),
    offset: all.flatMap((k) => k.offset),
    recordIndex: all.flatMap((k) => k.recordIndex),
  };
}

/**
 * Keeps one row per natural key across every Kafka coordinate (0024_natural_keys.sql).
 *
 * Rule, per row with key K at coordinate C: dropped if K is stored at any coordinate other than C,
 * or if an earlier row of the batch has K (each K taken with its ORDER BY prefix and event time,
 * see `identity`); kept otherwise. Why this is safe with the consumer's
 * exactly-once machinery: the stored rows are the memory, so a row is only ever dropped because a
 * copy of it is stored (never lost); a batch re-formed after a crash finds its own first attempt
 * at its own coordinates and keeps those rows, forming the same payload (its deduplication token
 * then drops it, or it lands now); and a batch written by the first attempt stays as written,
 * since ClickHouse drops a repeated token whatever the rows.
 *
 * Look-up and insert of one table run one batch at a time in this process (`exclusive`), so two
 * partitions carrying the same record at once cannot both miss each other. Two processes writing
 * to one ClickHouse server can (no transaction spans a look-up and an insert): copies arriving in
 * different partitions, read by different group members within the same moment, are both stored.
 */
/** Rows per key look-up against a ClickHouse server: about 200 KB of URL, well under its 1 MiB limit. */
const LOOKUP_CHUNK_ROWS = 1_000;

export class NaturalKeyFilter {
  private readonly locks = new Map<string, Promise<void>>();

  constructor(private readonly store: Store) {}

  /** Runs `fn` after every earlier call for `table` in this process has finished. */
  async exclusive<T>(table: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(table) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.locks.set(table, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(table) === tail) this.locks.delete(table);
    }
  }

  /** The rows of `payload` (the concatenation of `parts`) to insert: one per natural key. */
  async unique(range: OffsetRange, table: KeyedTable, parts: readonly EncodedTable[], payload: Uint8Array): Promise<UniqueRows> {
    const rows = parts.reduce((n, p) => n + p.rows, 0);
    const keys = concatKeys(parts);
    if (!keys) return { payload, rows, duplicates: 0, keyless: rows };
    const drop = new Set<number>();
    const firstAt = new Map<string, number>();
    let keyless = 0;
    keys.key.forEach((k, row) => {
      if (k === '') keyless += 1;
      else {
        const id = identity(k, keys.lookup.map((values) => values[row] as string));
        if (firstAt.has(id)) drop.add(row);
        else firstAt.set(id, row);
      }
    });
    if (firstAt.size > 0) {
      for (const copy of await this.storedCopies(table, keys, [...firstAt.values()])) {
        const row = firstAt.get(identity(copy.k, copy.w));
        if (row === undefined) continue;
        const own = copy.t === range.topic && Number(copy.p) === range.partition && copy.o === keys.offset[row] && Number(copy.i) === keys.recordIndex[row];
        if (!own) drop.add(row);
      }
    }
    if (drop.size === 0) return { payload, rows, duplicates: 0, keyless };
    const kept = splitRows(payload).filter((_, row) => !drop.has(row));
    return { payload: joinRows(kept), rows: kept.length, duplicates: drop.size, keyless };
  }

  private async storedCopies(table: KeyedTable, keys: RowKeys, rows: readonly number[]): Promise<StoredCopy[]> {
    // Over HTTP the query parameters travel in the URL, which a ClickHouse server caps
    // (http_max_uri_size, 1 MiB by default) and proxies cap lower: a server is asked in chunks of
    // LOOKUP_CHUNK_ROWS (~150 bytes a row). The embedded engine takes any size in one query.
    const chunk = this.store.kind === 'server' ? LOOKUP_CHUNK_ROWS : rows.length;
    const out: StoredCopy[] = [];
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      const params: Record<string, string[]> = { k: part.map((r) => keys.key[r] as string) };
      keys.lookup.forEach((values, c) => (params[`c${c}`] = part.map((r) => values[r] as string)));
      const res = await this.store.client.query({ query: LOOKUP_SQL[table], query_params: params, format: 'JSONEachRow' });
      out.push(...(await res.json<StoredCopy>()));
    }
    return out;
  }
}
