import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { AppError } from '../errors.ts';
import { jsonArrayElements } from './json-array-elements.ts';

/** One record read from a file: the bytes a Kafka message would carry, and where it came from. */
export interface FileRecord {
  file: string;
  /** 1-based line number for NDJSON, 0 for a record of a whole-document file. */
  line: number;
  value: Buffer;
}

export interface ReadOptions {
  /**
   * The per-record size limit the records will meet. A page or envelope document larger than this
   * is split into one envelope per record, so the limit applies to records, not to the page.
   */
  maxRecordBytes?: number;
}

/** Above this a file is never parsed whole to find its layout (JSON.parse holds it all in memory). */
const DOCUMENT_MAX_BYTES = 256 * 1024 * 1024;
const HEAD_BYTES = 1 << 20;
const utf8 = new TextDecoder('utf-8', { fatal: true });

type Layout = { kind: 'ndjson' } | { kind: 'array'; elements: Buffer[] } | { kind: 'document'; bytes: Buffer; doc: unknown };

/**
 * A file is NDJSON unless the whole file is one JSON document (an object, an envelope, or a
 * top-level array whose elements are records). Judging by the first line alone lost every good
 * line of a file whose first line was broken. When the first line is a whole JSON value and more
 * follows, the file cannot be one document, so large NDJSON files are never read whole.
 */
function detectLayout(file: string): Layout {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(Math.min(size, HEAD_BYTES));
    head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
  } finally {
    closeSync(fd);
  }
  if (firstLineIsValueWithMoreAfter(head)) return { kind: 'ndjson' };
  if (size > DOCUMENT_MAX_BYTES) return { kind: 'ndjson' };
  const bytes = readFileSync(file);
  const elements = jsonArrayElements(bytes);
  if (elements) return { kind: 'array', elements };
  try {
    return { kind: 'document', bytes, doc: JSON.parse(utf8.decode(bytes)) as unknown };
  } catch {
    return { kind: 'ndjson' };
  }
}

function firstLineIsValueWithMoreAfter(head: Buffer): boolean {
  const text = head.toString('utf8');
  const nl = text.indexOf('\n');
  if (nl === -1 || text.slice(nl + 1).trim() === '') return false;
  try {
    JSON.parse(text.slice(0, nl));
    return true;
  } catch {
    return false;
  }
}

export async function* readRecords(file: string, opts: ReadOptions = {}): AsyncGenerator<FileRecord> {
  let layout: Layout;
  try {
    layout = detectLayout(file);
  } catch (err) {
    throw new AppError('INPUT_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`, { file }, false, { cause: err });
  }
  if (layout.kind === 'array') {
    for (const value of layout.elements) yield { file, line: 0, value };
    return;
  }
  if (layout.kind === 'document') {
    const parts = opts.maxRecordBytes !== undefined && layout.bytes.length > opts.maxRecordBytes ? splitEnvelope(layout.doc) : undefined;
    if (!parts) {
      yield { file, line: 0, value: layout.bytes };
      return;
    }
    for (const value of parts) yield { file, line: 0, value };
    return;
  }
  yield* readLines(file);
}

/** Keys under which the known pages and envelopes carry their records (OpenAI/Anthropic `data`, Entra `records`/`value`). */
const ENVELOPE_KEYS = ['data', 'records', 'value'] as const;

/**
 * A page too large to be one message becomes one envelope per record, each with the page's other
 * keys, so the decoder still recognises its format. Undefined when the document is no such page.
 */
function splitEnvelope(doc: unknown): Buffer[] | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const obj = doc as Record<string, unknown>;
  const key = ENVELOPE_KEYS.find((k) => Array.isArray(obj[k]));
  if (!key) return undefined;
  const items = obj[key] as unknown[];
  try {
    return items.map((item) => Buffer.from(JSON.stringify({ ...obj, [key]: [item] })));
  } catch {
    // Too deep to re-serialise: leave the page whole, the decoder's own limits reject it.
    return undefined;
  }
}

/**
 * Lines are split on bytes, not decoded text: a line that is not valid UTF-8 must reach the
 * decoder as it is, to be rejected as such instead of silently repaired. Streamed, so a large
 * file is never held in memory.
 */
async function* readLines(file: string): AsyncGenerator<FileRecord> {
  let line = 0;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file)) {
    let data = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let nl: number;
    while ((nl = data.indexOf(0x0a)) !== -1) {
      const value = trimLine(data.subarray(0, nl));
      data = data.subarray(nl + 1);
      line += 1;
      if (value.length > 0) yield { file, line, value };
    }
    rest = Buffer.from(data);
  }
  const last = trimLine(rest);
  if (last.length > 0) yield { file, line: line + 1, value: last };
}

/** Drops a trailing CR and surrounding ASCII whitespace. */
function trimLine(bytes: Buffer): Buffer {
  let start = 0;
  let end = bytes.length;
  while (start < end && isSpace(bytes[start] as number)) start++;
  while (end > start && isSpace(bytes[end - 1] as number)) end--;
  return bytes.subarray(start, end);
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d;
}
