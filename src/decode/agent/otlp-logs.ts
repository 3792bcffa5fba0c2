import {
  OTLP_LOG_RECORD_RAW,
  otlpLogRecordSchema,
  otlpLogsRequestSchema,
  otlpResourceLogsSchema,
  type OtlpKeyValue,
} from '../../../schemas/events/otlp.ts';
import type { DecodeContext, DecodeOutput, FormatDecoder } from '../types.ts';
import { compileRawFields, rawText } from '../../normalize/raw-fields.ts';
import { text } from '../../normalize/identity.ts';
import { issuesViolation } from '../reject.ts';
import { isRecord } from '../shape.ts';
import { AGENT_LISTED_ISSUES, isRecordReject, toAgentRecord } from './claude-code-event.ts';
import { safeParseFast } from '../schema-fast-path.ts';

/**
 * OTLP/JSON ExportLogsServiceRequest, as the OTel Collector kafka exporter writes it with
 * `encoding: otlp_json`. One message carries many log records; each becomes its own row or reject.
 */

const FORMAT = 'otel.otlp_json';

/** OTLP AnyValue → plain JSON value; lenient because nested values are not schema-checked. */
export function anyValueToPlain(value: unknown): unknown {
  if (!isRecord(value)) return null;
  if ('stringValue' in value) return value['stringValue'];
  if ('intValue' in value) return value['intValue'];
  if ('doubleValue' in value) return value['doubleValue'];
  if ('boolValue' in value) return value['boolValue'];
  if ('bytesValue' in value) return value['bytesValue'];
  const array = value['arrayValue'];
  if (isRecord(array)) return Array.isArray(array['values']) ? array['values'].map(anyValueToPlain) : [];
  const kvlist = value['kvlistValue'];
  if (isRecord(kvlist)) return keyValuesToMap(Array.isArray(kvlist['values']) ? kvlist['values'] : []);
  return null;
}

export function keyValuesToMap(list: readonly unknown[] | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    if (isRecord(kv) && typeof kv['key'] === 'string') out[kv['key']] = anyValueToPlain(kv['value']);
  }
  return out;
}

const RAW_FIELDS = compileRawFields(OTLP_LOG_RECORD_RAW);

function rawOf(fragment: unknown, storeText: boolean): string {
  return rawText(fragment, RAW_FIELDS, storeText);
}

interface ResourceContext {
  attributes: readonly OtlpKeyValue[];
  scope: { name: string; version: string };
}

function decodeLogRecord(logRecord: unknown, res: ResourceContext, ctx: DecodeContext, out: DecodeOutput): void {
  // The stored record is self-contained: this log record plus what it inherits from its envelope.
  const raw = rawOf({ resource: { attributes: res.attributes }, scope: res.scope, logRecord }, ctx.storePromptText);
  const parsed = safeParseFast(otlpLogRecordSchema, logRecord);
  if (!parsed.success) {
    out.rejects.push(issuesViolation(FORMAT, parsed.error, raw, { at: 'logRecord', max: AGENT_LISTED_ISSUES }));
    return;
  }
  const rec = parsed.data;
  const result = toAgentRecord(
    {
      format: FORMAT,
      timeUnixNano: rec.timeUnixNano,
      observedTimeUnixNano: rec.observedTimeUnixNano,
      eventName: rec.eventName,
      body: anyValueToPlain(rec.body),
      resource: keyValuesToMap(res.attributes),
      attributes: keyValuesToMap(rec.attributes),
      raw,
    },
    ctx,
  );
  if (isRecordReject(result)) out.rejects.push(result);
  else out.records.push(result);
}

function decodeResourceLogs(resourceLogs: unknown, index: number, ctx: DecodeContext, out: DecodeOutput): void {
  const parsed = safeParseFast(otlpResourceLogsSchema, resourceLogs);
  if (!parsed.success) {
    const raw = rawOf(resourceLogs, ctx.storePromptText);
    out.rejects.push(issuesViolation(FORMAT, parsed.error, raw, { at: `resourceLogs.${index}`, max: AGENT_LISTED_ISSUES }));
    return;
  }
  const attributes = parsed.data.resource?.attributes ?? [];
  for (const scopeLogs of parsed.data.scopeLogs ?? []) {
    const scope = { name: text(scopeLogs.scope?.name), version: text(scopeLogs.scope?.version) };
    for (const logRecord of scopeLogs.logRecords ?? []) decodeLogRecord(logRecord, { attributes, scope }, ctx, out);
  }
}

export const otlpLogsDecoder: FormatDecoder = {
  format: FORMAT,
  source: 'agent',
  matches(doc) {
    return isRecord(doc) && Array.isArray(doc['resourceLogs']);
  },
  decode(doc, ctx) {
    const out: DecodeOutput = { records: [], rejects: [] };
    const parsed = safeParseFast(otlpLogsRequestSchema, doc);
    if (!parsed.success) {
      out.rejects.push(issuesViolation(FORMAT, parsed.error, rawOf(doc, ctx.storePromptText), { max: AGENT_LISTED_ISSUES }));
      return out;
    }
    parsed.data.resourceLogs.forEach((rl, i) => decodeResourceLogs(rl, i, ctx, out));
    return out;
  },
};
