import { sourceTextOf } from '../normalize/content.ts';
import { secretsMask } from '../normalize/secrets.ts';
import type { DecodedRecord, DecodeOutput } from './types.ts';

/**
 * The one place a decoded document's credentials become fingerprints, for every format and every
 * column: the document's text is scanned once (normalize/secrets.ts), and each credential found is
 * replaced wherever a decoder copied it — a LiteLLM `api_key` that holds a raw key instead of its
 * hash lands in `api_key_id` and from there in every roll-up, a key pasted into a tag lands in
 * `tags`, and any of them in `raw` and in a reject's text. Columns hold values copied from the
 * document, so one scan of the document finds every secret a row can hold; the same fingerprint is
 * written everywhere, so joins on a fingerprinted key still work.
 */
export function scrubSecrets(doc: unknown, out: DecodeOutput): DecodeOutput {
  if (out.records.length === 0 && out.rejects.length === 0) return out;
  const text = sourceTextOf(doc) ?? JSON.stringify(doc);
  if (text === undefined) return out;
  const mask = secretsMask(text);
  if (mask === null) return out;
  return {
    records: out.records.map((r) => ({ ...r, row: scrubValue(r.row, mask) }) as DecodedRecord),
    rejects: out.rejects.map((r) => ({ ...r, detail: mask(r.detail), raw: mask(r.raw) })),
  };
}

/** Every string of a row (columns, arrays, map keys and values) through `mask`; a copy. */
function scrubValue<T>(value: T, mask: (s: string) => string): T {
  if (typeof value === 'string') return mask(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => scrubValue(v, mask)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[mask(k)] = scrubValue(v, mask);
  return out as T;
}
