import { createReadStream, openSync, readSync, closeSync, readFileSync } from 'node:fs';
import { AppError } from '../errors.ts';

/** One record read from a file: the bytes a Kafka message would carry, and where it came from. */
export interface FileRecord {
  file: string;
  /** 1-based line number for NDJSON, 0 for a whole-document file. */
  line: number;
  value: Buffer;
}

/**
 * NDJSON (one record per line) or one JSON document per file (an object, an envelope, or a
 * top-level array that the decoder splits). The first line decides: if it parses on its own, the
 * file is NDJSON; otherwise it is one document.
 */
export function detectLayout(file: string): 'ndjson' | 'document' {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(1 << 20);
    const n = readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(0, n).toString('utf8').trimStart();
    if (text.startsWith('[')) return 'document';
    const firstLine = text.split('\n', 1)[0] ?? '';
    try {
      JSON.parse(firstLine);
      return 'ndjson';
    } catch {
      return 'document';
    }
  } finally {
    closeSync(fd);
  }
}

export async function* readRecords(file: string): AsyncGenerator<FileRecord> {
  let layout: 'ndjson' | 'document';
  try {
    layout = detectLayout(file);
  } catch (err) {
    throw new AppError('INPUT_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`, { file }, false, { cause: err });
  }
  if (layout === 'document') {
    yield { file, line: 0, value: readFileSync(file) };
    return;
  }
  // Lines are split on bytes, not decoded text: a line that is not valid UTF-8 must reach the
  // decoder as it is, to be rejected as such instead of silently repaired.
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
