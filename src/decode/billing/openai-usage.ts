import type { z } from 'zod';
import type { ProviderUsageRow } from '../../normalize/rows.ts';
import type { FormatDecoder } from '../types.ts';
import { text } from '../../normalize/identity.ts';
import { canonicalModel } from '../../normalize/model.ts';
import {
  OPENAI_USAGE_RAW,
  OPENAI_USAGE_RESULT,
  openAiBareResultTimesSchema,
  openAiBucketSchema,
  openAiPageSchema,
  openAiUsageResultSchema,
  type OpenAiUsageResult,
} from '../../../schemas/events/openai-usage.ts';
import { issuesDetail } from '../reject.ts';
import { isRecord } from '../shape.ts';
import { bucketedReportDecoder, reportRow, type BucketedReport, type BucketFields, type ResultFormat } from './bucketed-report.ts';
import { safeParseFast } from '../schema-fast-path.ts';
import { compileRawFields } from '../../normalize/raw-fields.ts';

/**
 * OpenAI organization Usage API (formats.md §3). The envelope walker below is shared with the
 * Costs API decoder (openai-costs.ts): both send page → bucket → result, with the same bucket
 * bounds, and differ only in the result object.
 */

export interface OpenAiResultFormat<S extends z.ZodType> extends ResultFormat<S> {
  /** The `object` of the results this format decodes, e.g. organization.costs.result (or several). */
  resultObject: string | readonly string[];
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
  return bucketedReportDecoder(
    spec,
    (doc) => matches(sniffOpenAiResultObject(doc)),
    (report, doc) => walkOpenAi(report, spec.resultObject, doc),
  );
}

function walkOpenAi<S extends z.ZodType>(
  report: BucketedReport<S>,
  resultObject: string | readonly string[],
  doc: unknown,
): void {
  const objects: readonly string[] = typeof resultObject === 'string' ? [resultObject] : resultObject;
  const decodeBucket = (bucket: unknown, at: string): void => {
    const parsed = safeParseFast(openAiBucketSchema, bucket);
    if (!parsed.success) return report.rejectIssues(parsed.error, at, bucket);
    const { start_time, end_time, results } = parsed.data;
    const times = report.times(start_time, end_time, at, bucket);
    if (times) report.results(results, { start_time, end_time }, times, at);
  };

  if (!isRecord(doc)) {
    report.reject('expected an OpenAI page, bucket or result object', doc);
  } else if (doc.object === 'page') {
    report.page(openAiPageSchema, doc, decodeBucket);
  } else if (doc.object === 'bucket') {
    decodeBucket(doc, '');
  } else if (typeof doc.object === 'string' && objects.includes(doc.object)) {
    const bare = safeParseFast(openAiBareResultTimesSchema, doc);
    if (!bare.success) {
      report.reject(
        `a bare ${doc.object} has no bucket: it needs integer start_time and end_time ` +
          `(epoch seconds) of its own (${issuesDetail(bare.error)})`,
        doc,
      );
    } else {
      const { start_time, end_time } = bare.data;
      const times = report.times(start_time, end_time, '', doc);
      if (times) report.result(doc, { start_time, end_time }, times, '');
    }
  } else {
    const expected = objects.map((o) => `"${o}"`).join(' or ');
    report.reject(`object: expected "page", "bucket" or ${expected}, got ${JSON.stringify(doc.object)}`, doc);
  }
}

const FORMAT = 'openai.usage';

function usageRow(r: OpenAiUsageResult, bucket: BucketFields): ProviderUsageRow {
  const cacheRead = r.input_cached_tokens ?? 0;
  const cacheWrite = r.input_cache_write_tokens ?? 0;
  // input_tokens includes cache reads and writes (N1); older exports lack input_uncached_tokens.
  const uncached = r.input_uncached_tokens ?? Math.max(0, r.input_tokens - cacheRead - cacheWrite);
  return reportRow(bucket, {
    format: FORMAT,
    provider: 'openai',
    kind: 'usage',
    api_key_id: text(r.api_key_id),
    workspace_id: text(r.project_id),
    account_id: text(r.user_id),
    model: canonicalModel(r.model),
    service_tier: text(r.service_tier),
    uncached_input_tokens: uncached,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    output_tokens: r.output_tokens,
    request_count: r.num_model_requests,
  });
}

export const openAiUsageDecoder = openAiDecoder(
  { format: FORMAT, resultObject: OPENAI_USAGE_RESULT, schema: openAiUsageResultSchema, rawFields: compileRawFields(OPENAI_USAGE_RAW), toRow: usageRow },
  // An envelope with no result at all cannot be told apart; it yields no records either way.
  (object) => object === OPENAI_USAGE_RESULT || object === null,
);
