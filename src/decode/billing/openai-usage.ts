import type { z } from 'zod';
import type { ProviderUsageRow } from '../../normalize/rows.ts';
import type { DecodeContext, DecodeOutput, FormatDecoder } from '../types.ts';
import { redactedJson } from '../../normalize/content.ts';
import { text } from '../../normalize/identity.ts';
import { canonicalModel } from '../../normalize/model.ts';
import { eventTime, TimeParseError } from '../../normalize/time.ts';
import {
  OPENAI_USAGE_RESULT,
  openAiBareResultTimesSchema,
  openAiBucketSchema,
  openAiPageSchema,
  openAiUsageResultSchema,
  type OpenAiUsageResult,
} from '../../../schemas/events/openai-usage.ts';

/**
 * OpenAI organization Usage API (formats.md §3). The envelope walker below is shared with the
 * Costs API decoder (openai-costs.ts): both send page → bucket → result, with the same bucket
 * bounds, and differ only in the result object.
 */

/** The per-bucket part of every row, prepared by the walker. */
export interface OpenAiBucketFields {
  event_time: string;
  bucket_end: string;
  raw: string;
}

export interface OpenAiResultFormat<S extends z.ZodType> {
  format: string;
  /** The `object` of the results this format decodes, e.g. organization.costs.result. */
  resultObject: string;
  schema: S;
  toRow(result: z.output<S>, bucket: OpenAiBucketFields): ProviderUsageRow;
}

// The widest bucket either API serves is 1 day; the current bucket legitimately ends in the future.
const MAX_BUCKET_MS = 86_400_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function zodDetail(error: z.ZodError, at: string): string {
  return error.issues
    .map((issue) => `${[at, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * The `object` of the first result in the document, used to tell usage from costs: null when the
 * document is an OpenAI envelope without any result, undefined when it is not an OpenAI envelope.
 */
export function sniffOpenAiResultObject(doc: unknown): string | null | undefined {
  if (!isRecord(doc)) return undefined;
  const firstOf = (bucket: unknown): string | null => {
    if (!isRecord(bucket) || !Array.isArray(bucket.results) || bucket.results.length === 0) return null;
    const first: unknown = bucket.results[0];
    return isRecord(first) && typeof first.object === 'string' ? first.object : '';
  };
  // A tagged page or bucket is OpenAI's even when malformed: claiming it (as result-less) turns
  // the damage into a schema reject with a path instead of an anonymous unknown_format.
  if (doc.object === 'page') {
    if (!Array.isArray(doc.data)) return null;
    // Leading buckets are often empty (quiet hours), so look past them.
    for (const bucket of doc.data) {
      const found = firstOf(bucket);
      if (found !== null) return found;
    }
    return null;
  }
  if (doc.object === 'bucket') return firstOf(doc);
  if (typeof doc.object === 'string' && doc.object.startsWith('organization.')) return doc.object;
  return undefined;
}

export function openAiDecoder<S extends z.ZodType>(
  spec: OpenAiResultFormat<S>,
  matches: (resultObject: string | null | undefined) => boolean,
): FormatDecoder {
  return {
    format: spec.format,
    source: 'billing',
    matches: (doc) => matches(sniffOpenAiResultObject(doc)),
    decode: (doc, ctx) => decodeOpenAi(spec, doc, ctx),
  };
}

function decodeOpenAi<S extends z.ZodType>(
  spec: OpenAiResultFormat<S>,
  doc: unknown,
  ctx: DecodeContext,
): DecodeOutput {
  const out: DecodeOutput = { records: [], rejects: [] };
  const reject = (detail: string, raw: unknown): void => {
    out.rejects.push({
      reason: 'schema_violation',
      format: spec.format,
      detail,
      raw: redactedJson(raw, ctx.storePromptText),
    });
  };

  type Bounds = { start: number; end: number; event_time: string; bucket_end: string };
  const bounds = (start: number, end: number, at: string, raw: unknown): Bounds | undefined => {
    try {
      return { start, end, ...bucketBounds(start, end, ctx) };
    } catch (err) {
      if (!(err instanceof TimeParseError)) throw err;
      reject(`${at || '(root)'}: ${err.message}`, raw);
      return undefined;
    }
  };

  const decodeResult = (result: unknown, b: Bounds, at: string): void => {
    // The stored evidence must say which bucket the result belonged to.
    const times = { start_time: b.start, end_time: b.end };
    const withTimes = isRecord(result) ? { ...times, ...result } : { ...times, result };
    const parsed = spec.schema.safeParse(result);
    if (!parsed.success) return reject(zodDetail(parsed.error, at), withTimes);
    const row = spec.toRow(parsed.data, {
      event_time: b.event_time,
      bucket_end: b.bucket_end,
      raw: redactedJson(withTimes, ctx.storePromptText),
    });
    out.records.push({ table: 'provider_usage', format: spec.format, row });
  };

  const decodeBucket = (bucket: unknown, at: string): void => {
    const parsed = openAiBucketSchema.safeParse(bucket);
    if (!parsed.success) return reject(zodDetail(parsed.error, at), bucket);
    const b = bounds(parsed.data.start_time, parsed.data.end_time, at, bucket);
    if (!b) return;
    const prefix = at ? `${at}.` : '';
    parsed.data.results.forEach((result, i) => decodeResult(result, b, `${prefix}results[${i}]`));
  };

  if (!isRecord(doc)) {
    reject('expected an OpenAI page, bucket or result object', doc);
  } else if (doc.object === 'page') {
    const page = openAiPageSchema.safeParse(doc);
    if (!page.success) reject(zodDetail(page.error, ''), doc);
    else page.data.data.forEach((bucket, i) => decodeBucket(bucket, `data[${i}]`));
  } else if (doc.object === 'bucket') {
    decodeBucket(doc, '');
  } else if (doc.object === spec.resultObject) {
    const times = openAiBareResultTimesSchema.safeParse(doc);
    if (!times.success) {
      reject(
        `a bare ${spec.resultObject} has no bucket: it needs integer start_time and end_time ` +
          `(epoch seconds) of its own (${zodDetail(times.error, '')})`,
        doc,
      );
    } else {
      const b = bounds(times.data.start_time, times.data.end_time, '', doc);
      if (b) decodeResult(doc, b, '');
    }
  } else {
    reject(`object: expected "page", "bucket" or "${spec.resultObject}", got ${JSON.stringify(doc.object)}`, doc);
  }
  return out;
}

function bucketBounds(start: number, end: number, ctx: DecodeContext): { event_time: string; bucket_end: string } {
  const event_time = eventTime(start, ctx.maxEventTime);
  const bucket_end = eventTime(end, ctx.maxEventTime + MAX_BUCKET_MS);
  if (bucket_end < event_time) throw new TimeParseError(end, 'bucket ends before it starts');
  return { event_time, bucket_end };
}

const FORMAT = 'openai.usage';

function usageRow(r: OpenAiUsageResult, bucket: OpenAiBucketFields): ProviderUsageRow {
  const cacheRead = r.input_cached_tokens ?? 0;
  const cacheWrite = r.input_cache_write_tokens ?? 0;
  // input_tokens includes cache reads and writes (N1); older exports lack input_uncached_tokens.
  const uncached = r.input_uncached_tokens ?? Math.max(0, r.input_tokens - cacheRead - cacheWrite);
  return {
    event_time: bucket.event_time,
    bucket_end: bucket.bucket_end,
    format: FORMAT,
    provider: 'openai',
    kind: 'usage',
    api_key_id: text(r.api_key_id),
    workspace_id: text(r.project_id),
    account_id: text(r.user_id),
    user_email: '',
    principal: '',
    team_id: '',
    session_id: '',
    request_id: '',
    model: canonicalModel(r.model),
    service_tier: text(r.service_tier),
    line_item: '',
    uncached_input_tokens: uncached,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    output_tokens: r.output_tokens,
    request_count: r.num_model_requests,
    // Usage is priced later, from the model price table; the Costs API is the billed amount.
    cost_usd: 0,
    prompt_logged: 0,
    raw: bucket.raw,
  };
}

export const openAiUsageDecoder = openAiDecoder(
  { format: FORMAT, resultObject: OPENAI_USAGE_RESULT, schema: openAiUsageResultSchema, toRow: usageRow },
  // An envelope with no result at all cannot be told apart; it yields no records either way.
  (object) => object === OPENAI_USAGE_RESULT || object === null,
);
