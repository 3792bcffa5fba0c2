/**
 * Row-level access to encoded TabSeparated bytes, for the sink's isolation of rows ClickHouse
 * refuses. Every row ends with a raw LF and a field never holds one (the encoder writes `\n`), so
 * splitting at LF bytes yields rows, and splitting a row at TAB bytes yields its fields.
 */

const LF = 0x0a;

/** The rows of a payload, each without its LF, as views of the payload. */
export function splitRows(payload: Uint8Array): Uint8Array[] {
  const rows: Uint8Array[] = [];
  let start = 0;
  for (let i = payload.indexOf(LF); i !== -1; i = payload.indexOf(LF, start)) {
    rows.push(payload.subarray(start, i));
    start = i + 1;
  }
  if (start < payload.byteLength) rows.push(payload.subarray(start));
  return rows;
}

/** Rows back into one payload, each LF-terminated. */
export function joinRows(rows: readonly Uint8Array[]): Buffer {
  const size = rows.reduce((n, r) => n + r.byteLength + 1, 0);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const r of rows) {
    out.set(r, at);
    at += r.byteLength;
    out[at++] = LF;
  }
  return out;
}

const UNESCAPE: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r', '0': '\0', "'": "'", b: '\b', f: '\f' };

/** The fields of one row by column name, unescaped (String columns; literals stay as written). */
export function rowFields(row: Uint8Array, columns: readonly string[]): Record<string, string> {
  const values = Buffer.from(row.buffer, row.byteOffset, row.byteLength).toString('utf8').split('\t');
  const out: Record<string, string> = {};
  columns.forEach((c, i) => {
    out[c] = (values[i] ?? '').replace(/\\(.)/g, (_, ch: string) => UNESCAPE[ch] ?? ch);
  });
  return out;
}
