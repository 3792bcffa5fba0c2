import type { z } from 'zod';
import type { ProviderUsageRow } from '../../normalize/rows.ts';
import type { FormatDecoder } from '../types.ts';
import { text } from '../../normalize/identity.ts';
import { canonicalModel } from '../../normalize/model.ts';
import {
  ANTHROPIC_USAGE_RAW,
  anthropicBucketSchema,
  anthropicPageSchema,
  anthropicUsageResultSchema,
  type AnthropicUsageResult,
} from '../../../schemas/events/anthropic-usage.ts';
import { isRecord } from '../shape.ts';
import { bucketedReportDecoder, reportRow, type BucketedReport, type BucketFields, type ResultFormat } from './bucketed-report.ts';
import { safeParseFast } from '../schema-fast-path.ts';
import { compileRawFields } from '../../normalize/raw-fields.ts';

/**
 * Anthropic Admin API usage_report/messages (formats.md §4a). The envelope walker below is shared
 * with the cost_report decoder (anthropic-cost.ts): both send {data: [{starting_at, ending_at,
 * results}]} and differ only in the result fields. Unlike OpenAI, pages carry no `object` tag.
 */

function isBucket(value: unknown): value is { starting_at: string; results: unknown[] } {
  return isRecord(value) && typeof value.starting_at === 'string' && Array.isArray(value.results);
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
  spec: ResultFormat<S>,
  matches: (firstResult: Record<string, unknown> | null | undefined) => boolean,
): FormatDecoder {
  return bucketedReportDecoder(spec, (doc) => matches(sniffAnthropicResult(doc)), walkAnthropic);
}

function walkAnthropic<S extends z.ZodType>(report: BucketedReport<S>, doc: unknown): void {
  const decodeBucket = (bucket: unknown, at: string): void => {
    const parsed = safeParseFast(anthropicBucketSchema, bucket);
    if (!parsed.success) return report.rejectIssues(parsed.error, at, bucket);
    const { starting_at, ending_at, results } = parsed.data;
    const times = report.times(starting_at, ending_at, at, bucket);
    if (times) report.results(results, { starting_at, ending_at }, times, at);
  };

  if (isRecord(doc) && 'data' in doc) {
    report.page(anthropicPageSchema, doc, decodeBucket);
  } else if (isRecord(doc) && 'starting_at' in doc) {
    decodeBucket(doc, '');
  } else {
    report.reject('expected an Anthropic report page {data: [buckets]} or a bucket {starting_at, ending_at, results}', doc);
  }
}

const FORMAT = 'anthropic.usage';

function usageRow(r: AnthropicUsageResult, bucket: BucketFields): ProviderUsageRow {
  return reportRow(bucket, {
    format: FORMAT,
    provider: 'anthropic',
    kind: 'usage',
    api_key_id: text(r.api_key_id),
    workspace_id: text(r.workspace_id),
    // OIDC-federated workloads have a service account instead of a user account.
    account_id: text(r.account_id) || text(r.service_account_id),
    model: canonicalModel(r.model),
    service_tier: text(r.service_tier),
    // Already split the canonical way (N1): uncached excludes cache reads and writes.
    uncached_input_tokens: Math.round(r.uncached_input_tokens),
    cache_read_tokens: Math.round(r.cache_read_input_tokens),
    cache_write_tokens: Math.round(
      (r.cache_creation?.ephemeral_5m_input_tokens ?? 0) + (r.cache_creation?.ephemeral_1h_input_tokens ?? 0),
    ),
    output_tokens: Math.round(r.output_tokens),
  });
}

export const anthropicUsageDecoder = anthropicDecoder(
  { format: FORMAT, schema: anthropicUsageResultSchema, rawFields: compileRawFields(ANTHROPIC_USAGE_RAW), toRow: usageRow },
  // An envelope with no result at all cannot be told apart; it yields no records either way.
  (first) => first === null || (first !== undefined && 'uncached_input_tokens' in first),
);
