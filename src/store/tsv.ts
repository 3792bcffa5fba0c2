/**
 * Rows → ClickHouse TabSeparated text. Chosen over JSONEachRow for the ingest hot path: the `raw`
 * evidence column is itself JSON, and in JSONEachRow every one of its quotes is escaped again and
 * un-escaped by the server; in TSV a JSON text only needs its (rare) backslashes doubled.
 * Measured by `npm run bench:ingest` (see README). The byte-level encoding is tsv-builder.ts.
 */
import { TsvBuilder } from './tsv-builder.ts';

export { escapeField, TsvBuilder } from './tsv-builder.ts';

/** Column names of a row set: the keys of its first row (every row of a table has the same shape). */
export function columnsOf(rows: readonly object[]): string[] {
  return rows.length ? Object.keys(rows[0] as object) : [];
}

type LineWriter = (out: TsvBuilder, row: Record<string, unknown>) => void;
const writers = new Map<string, LineWriter>();

const UINT32_MAX = 4_294_967_295;

/**
 * The unsigned integer columns of the ingest tables (same type under the same name in every
 * table) and their largest value the encoder writes. UInt64 stops at 2^53 − 1: a JS number above
 * that is not the integer that was sent. A value outside is refused (TsvBuilder.int), the second
 * line of defence behind the decoders' bounds (schemas/events/bounds.ts).
 */
const INTEGER_COLUMN_MAX: Readonly<Record<string, number>> = {
  uncached_input_tokens: Number.MAX_SAFE_INTEGER,
  cache_read_tokens: Number.MAX_SAFE_INTEGER,
  cache_write_tokens: Number.MAX_SAFE_INTEGER,
  output_tokens: Number.MAX_SAFE_INTEGER,
  request_count: Number.MAX_SAFE_INTEGER,
  event_sequence: Number.MAX_SAFE_INTEGER,
  raw_bytes: Number.MAX_SAFE_INTEGER,
  duration_ms: UINT32_MAX,
  prompt_bytes: UINT32_MAX,
  response_bytes: UINT32_MAX,
  source_partition: UINT32_MAX,
  record_index: UINT32_MAX,
  partition: UINT32_MAX,
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One generated function per column list: named property reads instead of a keyed loop, which
 * made encoding about 2x faster (rows of different decoders have different hidden classes, and a
 * keyed loop over 40+ columns was the hot spot of the ingest profile).
 */
function lineWriter(columns: readonly string[]): LineWriter {
  const key = columns.join(',');
  let write = writers.get(key);
  if (!write) {
    for (const c of columns) if (!IDENTIFIER.test(c)) throw new Error(`column name not encodable: ${c}`);
    const body = columns.map((c) => {
      const max = Object.hasOwn(INTEGER_COLUMN_MAX, c) ? INTEGER_COLUMN_MAX[c] : undefined;
      return max === undefined ? `o.field(r.${c});` : `o.int(r.${c}, ${max}, '${c}');`;
    }).join(' o.tab(); ');
    write = new Function(`return function writeLine(o, r) { ${body} }`)() as LineWriter;
    writers.set(key, write);
  }
  return write;
}

/** A builder that encodes rows of `columns` one at a time, as they are produced. */
export function tsvBuilder(columns: readonly string[], initialBytes?: number): TsvBuilder {
  return new TsvBuilder(lineWriter(columns), initialBytes);
}

export function encodeTsv(rows: readonly object[], columns: readonly string[]): Buffer {
  const builder = tsvBuilder(columns);
  for (const row of rows) builder.add(row);
  return builder.finish();
}
