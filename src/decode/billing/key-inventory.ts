import type { z } from 'zod';
import type { ProviderKeyRow } from '../../normalize/rows.ts';
import type { DecodeContext, DecodeOutput, FormatDecoder } from '../types.ts';
import { redactedJson } from '../../normalize/content.ts';
import { secretFingerprint } from '../../normalize/secrets.ts';
import { toClickHouseTime, TimeParseError, toMillis } from '../../normalize/time.ts';
import { issuesViolation, schemaViolation, timeRejectDetail } from '../reject.ts';
import { isRecord } from '../shape.ts';
import { safeParseFast } from '../schema-fast-path.ts';

/**
 * The walk shared by the provider key-list decoders (openai-api-keys.ts, anthropic-api-keys.ts):
 * a list page `{data: [key, …]}` or one key; every key is validated on its own, so one bad key is
 * a reject and its siblings are stored.
 */

/** The value stored for a time a key does not have (never used, never expires). */
export const NO_TIME = '1970-01-01 00:00:00.000';

/** A redaction mark: `sk-abc...def`, `sk-ant-api03-R2D...igAA`, `sk-proj-****wXyz`, `…`. */
const REDACTED = /\.\.\.|…|\*{3,}/;

/**
 * What is stored for a key's hint. The provider sends a redacted form; a collector that sent the
 * key itself (or anything without a redaction mark) gets the key's fingerprint stored instead, so
 * no table ever holds a usable key.
 */
export function keyHint(value: string | null | undefined): string {
  const v = (value ?? '').trim();
  if (v === '') return '';
  return REDACTED.test(v) ? v : secretFingerprint(v);
}

/** A time field that may be absent: epoch seconds or RFC 3339 → ClickHouse text, NO_TIME when absent. */
export function optionalTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '' || value === 0) return NO_TIME;
  return toClickHouseTime(toMillis(value));
}

export interface KeyListFormat<S extends z.ZodType> {
  format: string;
  keySchema: S;
  /** The page schema; its extra fields (e.g. a collector's project_id) are passed to toRow. */
  pageSchema: z.ZodType<{ data: unknown[] } & Record<string, unknown>>;
  isKey(doc: Record<string, unknown>): boolean;
  isPage(doc: Record<string, unknown>): boolean;
  toRow(key: z.output<S>, page: Record<string, unknown>, ctx: DecodeContext, raw: string): ProviderKeyRow;
}

function decodeKey<S extends z.ZodType>(spec: KeyListFormat<S>, key: unknown, page: Record<string, unknown>, at: string, ctx: DecodeContext, out: DecodeOutput): void {
  const raw = redactedJson(key, ctx.storePromptText);
  const parsed = safeParseFast(spec.keySchema, key);
  if (!parsed.success) {
    out.rejects.push(issuesViolation(spec.format, parsed.error, raw, { at, max: 5 }));
    return;
  }
  try {
    out.records.push({ table: 'provider_keys', format: spec.format, row: spec.toRow(parsed.data, page, ctx, raw) });
  } catch (err) {
    if (!(err instanceof TimeParseError)) throw err;
    out.rejects.push(schemaViolation(spec.format, timeRejectDetail(`${at === '' ? '' : `${at}.`}created_at`, err), raw));
  }
}

export function keyListDecoder<S extends z.ZodType>(spec: KeyListFormat<S>): FormatDecoder {
  return {
    format: spec.format,
    source: 'billing',
    matches: (doc) => isRecord(doc) && (spec.isKey(doc) || spec.isPage(doc)),
    decode(doc, ctx) {
      const out: DecodeOutput = { records: [], rejects: [] };
      if (!isRecord(doc)) return out;
      if (spec.isKey(doc)) {
        decodeKey(spec, doc, {}, '', ctx, out);
        return out;
      }
      const page = safeParseFast(spec.pageSchema, doc);
      if (!page.success) {
        out.rejects.push(issuesViolation(spec.format, page.error, redactedJson(doc, ctx.storePromptText), { max: 5 }));
        return out;
      }
      page.data.data.forEach((key, i) => decodeKey(spec, key, page.data, `data[${i}]`, ctx, out));
      return out;
    },
  };
}
