/**
 * Rows → ClickHouse TabSeparated text. Chosen over JSONEachRow for the ingest hot path: the `raw`
 * evidence column is itself JSON, and in JSONEachRow every one of its quotes is escaped again and
 * un-escaped by the server; in TSV a JSON text only needs its (rare) backslashes doubled.
 * Measured by `npm run bench:ingest` (see README).
 */

const NEEDS_ESCAPE = /[\\\t\n\r\0]/;

/** Escaping of a TabSeparated field (String column). */
export function escapeField(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/[\\\t\n\r\0]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\0'));
}

/** A string inside an Array/Map literal: quoted form, then safe inside a TSV field. */
function quoted(s: string): string {
  return `'${s.replace(/[\\'\t\n\r\0]/g, (c) => (c === '\\' ? '\\\\' : c === "'" ? "\\'" : c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\0'))}'`;
}

function encodeValue(v: unknown): string {
  if (typeof v === 'string') return escapeField(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '0';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'number' ? String(x) : quoted(String(x)))).join(',')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${quoted(k)}:${quoted(String(x))}`).join(',')}}`;
  }
  return escapeField(String(v));
}

/** Column names of a row set: the keys of its first row (every row of a table has the same shape). */
export function columnsOf(rows: readonly object[]): string[] {
  return rows.length ? Object.keys(rows[0] as object) : [];
}

export function encodeTsv(rows: readonly object[], columns: readonly string[]): Buffer {
  const lines: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Record<string, unknown>;
    let line = '';
    for (let c = 0; c < columns.length; c++) {
      if (c > 0) line += '\t';
      line += encodeValue(row[columns[c] as string]);
    }
    lines[i] = line;
  }
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}
