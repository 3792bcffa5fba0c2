import type { z } from 'zod';
import type { ProviderUsageRow } from '../../normalize/rows.ts';
import type { DecodeContext, DecodeOutput, FormatDecoder } from '../types.ts';
import { rawText, type CompiledRawFields } from '../../normalize/raw-fields.ts';
import { eventTime, TimeParseError } from '../../normalize/time.ts';
import { issuesDetail, schemaViolation, timeRejectDetail } from '../reject.ts';
import { isRecord } from '../shape.ts';
import { safeParseFast } from '../schema-fast-path.ts';
import { bucketKey } from '../../normalize/bucket-key.ts';

/**
 * The usage and cost reports of OpenAI (formats.md §3) and Anthropic (§4) share one envelope: a
 * page of time buckets, each holding one result per group-by combination. The provider modules
 * (openai-usage.ts, anthropic-usage.ts) know their page and bucket shapes and walk them; this
 * module turns bucket bounds into times and results into rows, each result on its own so that a
 * bad one becomes a reject without failing its siblings.
 */

/** The per-bucket part of every row, prepared by the walker. */
export interface BucketFields {
  event_time: string;
  bucket_end: string;
  raw: string;
}

export interface ResultFormat<S extends z.ZodType> {
  format: string;
  schema: S;
  /** What the stored `raw` record keeps (the format's RawFields, compiled). */
  rawFields: CompiledRawFields;
  toRow(result: z.output<S>, bucket: BucketFields): ProviderUsageRow;
  /** Result fields that are figures though written as strings (bucket-key.ts), e.g. a decimal amount. */
  stringFigures?: readonly string[];
}

type BucketTimes = Omit<BucketFields, 'raw'>;

/** What a report's row says of its own; everything else is '' or 0 (reports carry no session, request, …). */
export type ReportRowFields = Pick<ProviderUsageRow, 'format' | 'provider' | 'kind'> & Partial<ProviderUsageRow>;

/** A provider_usage row for one report result: its bucket's times and raw, then the result's own fields. */
export function reportRow(bucket: BucketFields, fields: ReportRowFields): ProviderUsageRow {
  return {
    event_time: bucket.event_time, bucket_end: bucket.bucket_end, api_key_id: '', workspace_id: '', account_id: '',
    user_email: '', principal: '', team_id: '', session_id: '', request_id: '', model: '', service_tier: '', line_item: '',
    uncached_input_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, output_tokens: 0, request_count: 0,
    // Usage is priced later, from the model price table; the cost reports carry the billed amount.
    cost_usd: 0, metrics: {}, prompt_logged: 0, bucket_key: '', raw: bucket.raw,
    ...fields,
  };
}

// The widest bucket either provider serves is 1 day; the current bucket legitimately ends in the future.
const MAX_BUCKET_MS = 86_400_000;

/** The records and rejects of one report document, collected while its walker visits it. */
export class BucketedReport<S extends z.ZodType> {
  readonly out: DecodeOutput = { records: [], rejects: [] };

  constructor(
    private readonly spec: ResultFormat<S>,
    private readonly ctx: DecodeContext,
  ) {}

  /** Keeps `raw` (a page, bucket or result), redacted, as a schema violation. */
  reject(detail: string, raw: unknown): void {
    this.out.rejects.push(schemaViolation(this.spec.format, detail, rawText(raw, this.spec.rawFields, this.ctx.storePromptText)));
  }

  rejectIssues(error: z.ZodError, at: string, raw: unknown): void {
    this.reject(issuesDetail(error, { at }), raw);
  }

  /** A page: its `data` elements are the buckets `data[0]`, `data[1]`, … */
  page(schema: z.ZodType<{ data: unknown[] }>, doc: unknown, decodeBucket: (bucket: unknown, at: string) => void): void {
    const page = safeParseFast(schema, doc);
    if (!page.success) this.rejectIssues(page.error, '', doc);
    else page.data.data.forEach((bucket, i) => decodeBucket(bucket, `data[${i}]`));
  }

  /**
   * The times of a bucket (the end is exclusive and kept as is, so consecutive buckets share a
   * bound), or undefined once `raw` is rejected for implausible ones.
   */
  times(start: string | number, end: string | number, at: string, raw: unknown): BucketTimes | undefined {
    try {
      const event_time = eventTime(start, this.ctx.maxEventTime);
      const bucket_end = eventTime(end, this.ctx.maxEventTime + MAX_BUCKET_MS);
      if (bucket_end < event_time) throw new TimeParseError(end, 'bucket ends before it starts');
      return { event_time, bucket_end };
    } catch (err) {
      this.reject(timeRejectDetail(at || '(root)', err), raw);
      return undefined;
    }
  }

  /** The results of the bucket at `at`; `bounds` are the bucket's own start and end fields. */
  results(results: readonly unknown[], bounds: Record<string, unknown>, times: BucketTimes, at: string): void {
    const prefix = at ? `${at}.` : '';
    results.forEach((result, i) => this.result(result, bounds, times, `${prefix}results[${i}]`));
  }

  result(result: unknown, bounds: Record<string, unknown>, times: BucketTimes, at: string): void {
    // The stored evidence must say which bucket the result belonged to.
    const withBounds = isRecord(result) ? { ...bounds, ...result } : { ...bounds, result };
    const parsed = safeParseFast(this.spec.schema, result);
    if (!parsed.success) return this.rejectIssues(parsed.error, at, withBounds);
    const row = this.spec.toRow(parsed.data, { ...times, raw: rawText(withBounds, this.spec.rawFields, this.ctx.storePromptText) });
    row.bucket_key = bucketKey(row, withBounds, this.spec.stringFigures);
    this.out.records.push({ table: 'provider_usage', format: this.spec.format, row });
  }
}

/** A billing decoder for one report format; `walk` feeds the document to the report. */
export function bucketedReportDecoder<S extends z.ZodType>(
  spec: ResultFormat<S>,
  matches: (doc: unknown) => boolean,
  walk: (report: BucketedReport<S>, doc: unknown) => void,
): FormatDecoder {
  return {
    format: spec.format,
    source: 'billing',
    matches,
    decode(doc, ctx) {
      const report = new BucketedReport(spec, ctx);
      walk(report, doc);
      return report.out;
    },
  };
}
