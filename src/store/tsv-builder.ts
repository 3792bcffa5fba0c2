/**
 * Rows → ClickHouse TabSeparated bytes, written straight into one growing Buffer (see tsv.ts for
 * why TSV). Building a string per row, joining them and encoding the result to UTF-8 copied
 * every byte three times and left the whole segment's strings for the GC; here each field is
 * written once, as its row is produced, so the decoded records die young.
 *
 * Field encoding (identical to what ClickHouse's TSV parser expects):
 * - String: `\`, tab, LF, CR and NUL backslash-escaped; everything else as UTF-8;
 * - number: decimal (`String(n)`), non-finite as 0; boolean 1/0; null/undefined empty;
 * - number in an integer column (int()): refused with VALUE_OUT_OF_RANGE when non-finite, negative
 *   or above the column's maximum, because `String(1e21)` is `1e+21`, which fails the whole insert,
 *   and 1e20 fits no UInt64 and is stored wrapped;
 * - Array: `[elem,…]`, numbers bare, anything else single-quoted with `\` `'` tab LF CR NUL escaped;
 * - object (Map column): `{'k':'v',…}`, keys quoted the same way, values like array elements.
 */

import { AppError } from '../errors.ts';

const BACKSLASH = 92;
const TAB = 9;
const LF = 10;
const CR = 13;
const NUL = 0;

/**
 * Does a String field need escaping? Five memchr-like scans are ~10x faster than the equivalent
 * character-class regex on the 1-2 KB `raw` JSON text, which is scanned once per row.
 */
function needsEscape(s: string): boolean {
  return s.indexOf('\\') !== -1 || s.indexOf('\n') !== -1 || s.indexOf('\t') !== -1 || s.indexOf('\r') !== -1 || s.indexOf('\0') !== -1;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0', "'": "\\'" };

/** Escaping of a TabSeparated field (String column). */
export function escapeField(s: string): string {
  return needsEscape(s) ? s.replace(/[\\\t\n\r\0]/g, (c) => ESCAPES[c] as string) : s;
}

/** A string inside an Array/Map literal: quoted form, then safe inside a TSV field. */
function quoted(s: string): string {
  return `'${s.replace(/[\\'\t\n\r\0]/g, (c) => ESCAPES[c] as string)}'`;
}

function arrayLiteral(v: readonly unknown[]): string {
  return v.length === 0 ? '[]' : `[${v.map((x) => (typeof x === 'number' ? String(x) : quoted(String(x)))).join(',')}]`;
}

function mapLiteral(v: Record<string, unknown>): string {
  const entries = Object.entries(v);
  // Numbers bare, as in arrays, so a Map(…, Float64) value parses; strings quoted.
  return entries.length === 0
    ? '{}'
    : `{${entries.map(([k, x]) => `${quoted(k)}:${typeof x === 'number' ? String(x) : quoted(String(x))}`).join(',')}}`;
}

/** Strings up to this length are copied by a JS loop; longer ones by Buffer#write (native). */
const SHORT_STRING = 48;

export class TsvBuilder {
  private buf: Buffer;
  private len = 0;
  /** Rows added so far. */
  rows = 0;

  constructor(
    private readonly writeLine: (out: TsvBuilder, row: Record<string, unknown>) => void,
    initialBytes = 64 * 1024,
  ) {
    this.buf = Buffer.allocUnsafeSlow(initialBytes);
  }

  get byteLength(): number {
    return this.len;
  }

  /** Adds one row; if encoding it throws, nothing of it stays in the builder. */
  add(row: object): void {
    const start = this.len;
    try {
      this.writeLine(this, row as Record<string, unknown>);
    } catch (err) {
      this.len = start;
      throw err;
    }
    this.ensure(1);
    this.buf[this.len++] = LF;
    this.rows += 1;
  }

  /** The encoded rows: a view of this builder's own memory (never Node's shared pool). */
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  tab(): void {
    this.ensure(1);
    this.buf[this.len++] = TAB;
  }

  /** One field of any supported column type (see the module comment). */
  field(v: unknown): void {
    if (typeof v === 'string') this.string(v);
    else if (typeof v === 'number') this.ascii(Number.isFinite(v) ? String(v) : '0');
    else if (typeof v === 'boolean') this.ascii(v ? '1' : '0');
    else if (v === null || v === undefined) return;
    else if (Array.isArray(v)) this.literal(arrayLiteral(v));
    else if (typeof v === 'object') this.literal(mapLiteral(v as Record<string, unknown>));
    else this.string(String(v));
  }

  /**
   * A field of an unsigned integer column whose largest value is `max`: a number outside
   * [0, max] is refused, never written (see the module comment). Non-numbers are written as by field().
   */
  int(v: unknown, max: number, column: string): void {
    if (typeof v === 'number' && !(Number.isFinite(v) && v >= 0 && v <= max)) {
      throw new AppError('VALUE_OUT_OF_RANGE', `${column}: ${String(v)} is outside [0, ${max}]`, { column, value: String(v), max });
    }
    this.field(v);
  }

  /** A String field, escaped. */
  string(s: string): void {
    const n = s.length;
    if (n === 0) return;
    // UTF-16 code unit → at most 3 UTF-8 bytes; escaping at most doubles an ASCII byte.
    this.ensure(n * 3);
    if (n <= SHORT_STRING && this.copyPlainAscii(s)) return;
    this.len += this.buf.write(needsEscape(s) ? s.replace(/[\\\t\n\r\0]/g, (c) => ESCAPES[c] as string) : s, this.len, 'utf8');
  }

  /** Copies `s` if it is ASCII with nothing to escape; otherwise writes nothing and says so. */
  private copyPlainAscii(s: string): boolean {
    const buf = this.buf;
    const start = this.len;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || c === BACKSLASH || c === TAB || c === LF || c === CR || c === NUL) return false;
      buf[start + i] = c;
    }
    this.len = start + s.length;
    return true;
  }

  /** Text known to be ASCII without characters to escape (numbers). */
  private ascii(s: string): void {
    this.ensure(s.length);
    const buf = this.buf;
    let at = this.len;
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
    this.len = at;
  }

  /** An Array/Map literal: already quoted and escaped inside; may hold any UTF-8. */
  private literal(s: string): void {
    this.ensure(s.length * 3);
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}
