import { createHash } from 'node:crypto';
import { maskSecrets } from '../normalize/secrets.ts';

/**
 * What a reject keeps of a message driftwatch could not read. A message that does not parse (or
 * is too big to parse, or is not UTF-8) cannot be redacted field by field, and the rejects table is
 * not a back door for prompts and keys: it keeps a bounded prefix that shows the message's shape
 * (keys, numbers, punctuation) with every string value replaced by its length, plus the size and
 * SHA-256 of the original, so an operator can find the message at its producer and prove which it
 * was. Keeping the message whole is the operator's explicit opt-in (ingest.keepWholeRejects).
 */

/** Characters of the unparsed text looked at; the kept prefix is at most about this long. */
export const REJECT_PREFIX_CHARS = 2048;

// A JSON string literal, possibly cut off by the prefix, and whether a `:` follows (a key).
const STRING_LITERAL = /"(?:[^"\\]|\\.)*(?:"|$)(\s*:)?/g;
const STAND_IN = /^"\[\d+ chars\]"$/;

/** `text` cut to a prefix, string values replaced by their length, keys kept with secrets masked. */
export function shapeOnlyPrefix(text: string, maxChars = REJECT_PREFIX_CHARS): string {
  const head = text.length > maxChars ? text.slice(0, maxChars) : text;
  // A literal that is already a length stand-in (a stored reject shaped at ingest) keeps its figure.
  const shaped = head.replace(STRING_LITERAL, (lit: string, colon: string | undefined) =>
    colon !== undefined ? maskSecrets(lit) : STAND_IN.test(lit) ? lit : `"[${lit.length} chars]"`,
  );
  // Outside string literals valid JSON holds numbers, literals and punctuation; broken text holds
  // whatever bare words the producer wrote (or a string whose quotes went astray): those are
  // replaced by their length too.
  const bare = shaped.replace(/("(?:[^"\\]|\\.)*")|([^\s"{}[\]:,0-9.+-][^\s"{}[\]:,]*)/g, (m: string, str: string | undefined) =>
    str !== undefined || m === 'true' || m === 'false' || m === 'null' ? m : `[${m.length} chars]`,
  );
  // A string shorter than its "[N chars]" stand-in grows the text: the result is cut to the
  // length of the prefix it came from, so a kept prefix is never longer than promised.
  const cut = text.length > maxChars || bare.length > head.length;
  return cut ? bare.slice(0, Math.max(0, head.length - 1)) + '…' : bare;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The value of a parsed record of no known format: keys and figures, string values as lengths. */
export function shapeOnly(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return `[${value.length} chars]`;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 8) return '[nested]';
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => shapeOnly(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).slice(0, 100)) out[maskSecrets(k)] = shapeOnly(v, depth + 1);
  return out;
}
