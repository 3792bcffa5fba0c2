import type { z } from 'zod';
import type { ProviderUsageRow } from '../../normalize/rows.ts';
import type { DecodeContext, DecodeOutput, FormatDecoder } from '../types.ts';
import { redactedJson } from '../../normalize/content.ts';
import { text } from '../../normalize/identity.ts';
import { canonicalModel } from '../../normalize/model.ts';
import { eventTime, TimeParseError } from '../../normalize/time.ts';
import {
  anthropicBucketSchema,
  anthropicPageSchema,
  anthropicUsageResultSchema,
  type AnthropicUsageResult,
} from '../../../schemas/events/anthropic-usage.ts';

/**
 * Anthropic Admin API usage_report/messages (formats.md §4a). The envelope walker below is shared
 * with the cost_report decoder (anthropic-cost.ts): both send {data: [{starting_at, ending_at,
 * results}]} and differ only in the result fields. Unlike OpenAI, pages carry no `object` tag.
 */

/** The per-bucket part of every row, prepared by the walker. */
export interface AnthropicBucketFields {
  event_time: string;
  bucket_end: string;
  raw: string;
}

export interface AnthropicResultFormat<S extends z.ZodType> {
  format: string;
  schema: S;
  toRow(result: z.output<S>, bucket: AnthropicBucketFields): ProviderUsageRow;
}

// cost_report buckets are 1 day wide; the current bucket legitimately ends in the future.
const MAX_BUCKET_MS = 86_400_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBucket(value: unknown): value is { starting_at: string; results: unknown[] } {
  return isRecord(value) && typeof value.starting_at === 'string' && Array.isArray(value.results);
}

function zodDetail(error: z.ZodError, at: string): string {
  return error.issues
    .map((issue) => `${[at, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * The first result in an Anthropic page or bucket, used to tell usage from cost reports: null when
 * the document is an Anthropic envelope without any result, undefined when it is not one.
 */
export function sniffAnthropicResult(doc: unknown): Record<string, unknown> | null | undefined {
  if (!isRecord(doc) || 'object' in doc) return undefined;
  let buckets: unknown[];
  if (Array.isArray(doc.data)) {
    if (doc.data.length > 0 && !isBucket(doc.data[0])) return undefined;
    buckets = doc.data;
  } else if (isBucket(doc)) {
    buckets = [doc];
  } else {
    return undefined;
  }
  // Empty buckets are included in reports (§4a), so look past leading ones.
  for (const bucket of buckets) {
    if (!isBucket(bucket) || bucket.results.length === 0) continue;
    const first: unknown = bucket.results[0];
    return isRecord(first) ? first : {};
  }
  return null;
}

export function anthropicDecoder<S extends z.ZodType>(
  spec: AnthropicResultFormat<S>,
  matches: (firstResult: Record<string, unknown> | null | undefined) => boolean,
): FormatDecoder {
  return {
    format: spec.format,
    source: 'billing',
    matches: (doc) => matches(sniffAnthropicResult(doc)),
    decode: (doc, ctx) => decodeAnthropic(spec, doc, ctx),
  };
}

function decodeAnthropic<S extends z.ZodType>(
  spec: AnthropicResultFormat<S>,
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

  const decodeBucket = (bucket: unknown, at: string): void => {
    const parsed = anthropicBucketSchema.safeParse(bucket);
    if (!parsed.success) return reject(zodDetail(parsed.error, at), bucket);
    const { starting_at, ending_at, results } = parsed.data;
    let event_time: string;
    let bucket_end: string;
    try {
      event_time = eventTime(starting_at, ctx.maxEventTime);
      // ending_at is exclusive; stored as is so that consecutive buckets share a bound.
      bucket_end = eventTime(ending_at, ctx.maxEventTime + MAX_BUCKET_MS);
      if (bucket_end < event_time) throw new TimeParseError(ending_at, 'bucket ends before it starts');
    } catch (err) {
      if (!(err instanceof TimeParseError)) throw err;
      return reject(`${at || '(root)'}: ${err.message}`, bucket);
    }
    const prefix = at ? `${at}.` : '';
    results.forEach((result, i) => {
      // The stored evidence must say which bucket the result belonged to.
      const times = { starting_at, ending_at };
      const withTimes = isRecord(result) ? { ...times, ...result } : { ...times, result };
      const r = spec.schema.safeParse(result);
      if (!r.success) return reject(zodDetail(r.error, `${prefix}results[${i}]`), withTimes);
      const raw = redactedJson(withTimes, ctx.storePromptText);
      out.records.push({
        table: 'provider_usage',
        format: spec.format,
        row: spec.toRow(r.data, { event_time, bucket_end, raw }),
      });
    });
  };

  if (isRecord(doc) && 'data' in doc) {
    const page = anthropicPageSchema.safeParse(doc);
    if (!page.success) reject(zodDetail(page.error, ''), doc);
    else page.data.data.forEach((bucket, i) => decodeBucket(bucket, `data[${i}]`));
  } else if (isRecord(doc) && 'starting_at' in doc) {
    decodeBucket(doc, '');
  } else {
    reject('expected an Anthropic report page {data: [buckets]} or a bucket {starting_at, ending_at, results}', doc);
  }
  return out;
}

const FORMAT = 'anthropic.usage';

function usageRow(r: AnthropicUsageResult, bucket: AnthropicBucketFields): ProviderUsageRow {
  return {
    event_time: bucket.event_time,
    bucket_end: bucket.bucket_end,
    format: FORMAT,
    provider: 'anthropic',
    kind: 'usage',
    api_key_id: text(r.api_key_id),
    workspace_id: text(r.workspace_id),
    // OIDC-federated workloads have a service account instead of a user account.
    account_id: text(r.account_id) || text(r.service_account_id),
    user_email: '',
    principal: '',
    team_id: '',
    session_id: '',
    request_id: '',
    model: canonicalModel(r.model),
    service_tier: text(r.service_tier),
    line_item: '',
    // Already split the canonical way (N1): uncached excludes cache reads and writes.
    uncached_input_tokens: Math.round(r.uncached_input_tokens),
    cache_read_tokens: Math.round(r.cache_read_input_tokens),
    cache_write_tokens: Math.round(
      (r.cache_creation?.ephemeral_5m_input_tokens ?? 0) + (r.cache_creation?.ephemeral_1h_input_tokens ?? 0),
    ),
    output_tokens: Math.round(r.output_tokens),
    // The report counts tokens, not requests.
    request_count: 0,
    // Usage is priced later, from the model price table; cost_report is the billed amount.
    cost_usd: 0,
    prompt_logged: 0,
    raw: bucket.raw,
  };
}

export const anthropicUsageDecoder = anthropicDecoder(
  { format: FORMAT, schema: anthropicUsageResultSchema, toRow: usageRow },
  // An envelope with no result at all cannot be told apart; it yields no records either way.
  (first) => first === null || (first !== undefined && 'uncached_input_tokens' in first),
);
