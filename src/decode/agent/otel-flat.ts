import { OTEL_FLAT_RAW, otelFlatRecordSchema } from '../../../schemas/events/otlp.ts';
import type { DecodeContext, DecodeOutput, FormatDecoder } from '../types.ts';
import { compileRawFields, rawText } from '../../normalize/raw-fields.ts';
import { text } from '../../normalize/identity.ts';
import { issuesViolation } from '../reject.ts';
import { isRecord } from '../shape.ts';
import { AGENT_LISTED_ISSUES, isRecordReject, toAgentRecord } from './claude-code-event.ts';
import { safeParseFast } from '../schema-fast-path.ts';

/**
 * Flattened OTLP log record (formats.md §8 sample): what a collector transform or a custom
 * forwarder emits when it writes one event per Kafka message with attributes as a JSON map.
 */

const FORMAT = 'otel.flat';

function looksFlat(doc: unknown): boolean {
  return isRecord(doc) && 'timeUnixNano' in doc && isRecord(doc['attributes']);
}

const RAW_FIELDS = compileRawFields(OTEL_FLAT_RAW);

function decodeOne(doc: unknown, ctx: DecodeContext, out: DecodeOutput): void {
  const raw = rawText(doc, RAW_FIELDS, ctx.storePromptText);
  const parsed = safeParseFast(otelFlatRecordSchema, doc);
  if (!parsed.success) {
    out.rejects.push(issuesViolation(FORMAT, parsed.error, raw, { max: AGENT_LISTED_ISSUES }));
    return;
  }
  const rec = parsed.data;
  const body = typeof rec.body === 'string' ? rec.body : text(rec.body?.stringValue);
  const result = toAgentRecord(
    {
      format: FORMAT,
      timeUnixNano: rec.timeUnixNano,
      observedTimeUnixNano: rec.observedTimeUnixNano,
      eventName: rec.eventName,
      body,
      resource: rec.resource ?? {},
      attributes: rec.attributes,
      raw,
    },
    ctx,
  );
  if (isRecordReject(result)) out.rejects.push(result);
  else out.records.push(result);
}

export const otelFlatDecoder: FormatDecoder = {
  format: FORMAT,
  source: 'agent',
  matches(doc) {
    return Array.isArray(doc) ? doc.length > 0 && looksFlat(doc[0]) : looksFlat(doc);
  },
  decode(doc, ctx) {
    const out: DecodeOutput = { records: [], rejects: [] };
    for (const element of Array.isArray(doc) ? doc : [doc]) decodeOne(element, ctx, out);
    return out;
  },
};
