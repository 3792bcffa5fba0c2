import { z } from 'zod';
import { boundedNumeric, MAX_ABS_USD, MAX_DURATION_MS, MAX_TOKENS, UINT32_MAX, UINT64_SAFE_MAX } from './bounds.ts';

/**
 * OTLP/JSON logs (ExportLogsServiceRequest, as the OTel Collector's kafka exporter writes it with
 * `encoding: otlp_json`), the flattened single-record form of formats.md §8, and the Claude Code
 * event attributes driftwatch maps. Protobuf JSON mapping writes 64-bit ints (intValue,
 * timeUnixNano) as strings of digits; some exporters write plain numbers, so both are accepted.
 */

const int64 = z.union([z.string().regex(/^-?\d+$/), z.number().int()]);
const unixNano = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]);

/** Nested array/kvlist values are converted leniently (attributeValue), not validated. */
export const otlpAnyValueSchema = z.looseObject({
  stringValue: z.string().optional(),
  intValue: int64.optional(),
  // proto3 JSON writes NaN/Infinity as strings.
  doubleValue: z.union([z.number(), z.string()]).optional(),
  boolValue: z.boolean().optional(),
  bytesValue: z.string().optional(),
  arrayValue: z.looseObject({ values: z.array(z.unknown()).nullish() }).optional(),
  kvlistValue: z.looseObject({ values: z.array(z.unknown()).nullish() }).optional(),
});
export type OtlpAnyValue = z.infer<typeof otlpAnyValueSchema>;

export const otlpKeyValueSchema = z.looseObject({
  key: z.string(),
  value: otlpAnyValueSchema.nullish(),
});
export type OtlpKeyValue = z.infer<typeof otlpKeyValueSchema>;

const attributeList = z.array(otlpKeyValueSchema).nullish();

export const otlpLogRecordSchema = z.looseObject({
  timeUnixNano: unixNano.nullish(),
  observedTimeUnixNano: unixNano.nullish(),
  // OTLP 1.5 added a first-class event name next to the `event.name` attribute convention.
  eventName: z.string().nullish(),
  body: otlpAnyValueSchema.nullish(),
  attributes: attributeList,
});
export type OtlpLogRecord = z.infer<typeof otlpLogRecordSchema>;

/** One resourceLogs entry; its logRecords are validated one by one so a bad one stands alone. */
export const otlpResourceLogsSchema = z.looseObject({
  resource: z.looseObject({ attributes: attributeList }).nullish(),
  scopeLogs: z
    .array(
      z.looseObject({
        scope: z.looseObject({ name: z.string().nullish(), version: z.string().nullish() }).nullish(),
        logRecords: z.array(z.unknown()).nullish(),
      }),
    )
    .nullish(),
});

export const otlpLogsRequestSchema = z.looseObject({ resourceLogs: z.array(z.unknown()) });

/** formats.md §8 sample: one log record with resource/scope inlined and attributes as a map. */
export const otelFlatRecordSchema = z.looseObject({
  timeUnixNano: unixNano.nullish(),
  observedTimeUnixNano: unixNano.nullish(),
  eventName: z.string().nullish(),
  body: z.union([z.string(), z.looseObject({ stringValue: z.string().optional() })]).nullish(),
  resource: z.record(z.string(), z.unknown()).nullish(),
  scope: z.looseObject({ name: z.string().nullish() }).nullish(),
  attributes: z.record(z.string(), z.unknown()),
});
export type OtelFlatRecord = z.infer<typeof otelFlatRecordSchema>;

const tokens = boundedNumeric(0, MAX_TOKENS).nullish();
const optText = z.string().nullish();

/**
 * Claude Code event attributes after flattening (resource merged under record attributes).
 * Numbers may arrive as strings (formats.md §8); a value that is present but not numeric is a
 * schema violation rather than a silent 0.
 */
export const claudeCodeAttributesSchema = z.looseObject({
  'event.name': optText,
  'event.timestamp': optText,
  'event.sequence': boundedNumeric(0, UINT64_SAFE_MAX).nullish(),
  'session.id': optText,
  'prompt.id': optText,
  input_tokens: tokens,
  output_tokens: tokens,
  cache_read_tokens: tokens,
  cache_creation_tokens: tokens,
  cost_usd: boundedNumeric(-MAX_ABS_USD, MAX_ABS_USD).nullish(),
  cost_usd_micros: boundedNumeric(-MAX_ABS_USD * 1e6, MAX_ABS_USD * 1e6).nullish(),
  duration_ms: boundedNumeric(0, MAX_DURATION_MS).nullish(),
  prompt_length: boundedNumeric(0, UINT32_MAX).nullish(),
});
