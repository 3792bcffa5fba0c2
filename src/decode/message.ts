import type { DecodeContext, DecodedRecord, FormatDecoder, RecordReject, SourceKind } from './types.ts';
import { findDecoder } from './registry.ts';
import { redactedJson, rememberSourceText } from '../normalize/content.ts';
import type { RejectReason } from '../normalize/rows.ts';
import { errorMessage } from '../errors.ts';
import { exceedsDepth, MAX_JSON_DEPTH } from './depth.ts';
import { decoderFault } from '../ingest/fault-injection.ts';

/**
 * Message-level decoding, shared by the Kafka consumer and `replay`: bytes → JSON → per-record
 * format detection → decoder. Every way a message can be bad ends in a RecordReject with a reason;
 * nothing here throws for bad input.
 */

export interface MessageLimits {
  maxMessageBytes: number;
}

/** A reject that still holds the undecodable bytes (not JSON text) for the rejects table. */
export interface MessageReject extends RecordReject {
  rawEncoding: 'utf8' | 'base64';
  rawBytes: number;
  recordIndex: number;
}

export interface DecodedMessage {
  records: DecodedRecord[];
  rejects: MessageReject[];
}

/** How much of a too-deep message the rejects keep. */
const TOO_DEEP_KEPT_CHARS = 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function wholeMessageReject(
  reason: RejectReason,
  detail: string,
  bytes: Uint8Array,
  asText?: string,
): DecodedMessage {
  const raw = asText ?? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return {
    records: [],
    rejects: [{ reason, format: '', detail, raw, rawEncoding: asText === undefined ? 'base64' : 'utf8', rawBytes: bytes.byteLength, recordIndex: 0 }],
  };
}

/**
 * The prompt-bearing keys cannot be redacted in text that does not parse; this masks the string
 * values of those keys so a malformed record is not a back door for prompt text into the store.
 */
const CONTENT_VALUE = /("(?:messages|prompt|response|completion|inputBodyJson|outputBodyJson|tool_input|tool_parameters)"\s*:\s*)"(?:[^"\\]|\\.)*"/g;
export function maskUnparsedContent(text: string): string {
  return text.replace(CONTENT_VALUE, '$1"[redacted]"');
}

/** Decodes one parsed document (a record, or an envelope the format itself knows) of a source. */
export function decodeDocument(source: SourceKind, doc: unknown, ctx: DecodeContext, recordIndex: number): DecodedMessage {
  const decoder = findDecoder(source, doc);
  if (!decoder) {
    return {
      records: [],
      rejects: [{
        reason: 'unknown_format', format: '', rawEncoding: 'utf8', recordIndex, rawBytes: 0,
        detail: `no ${source} format matches this record (top-level keys: ${describeKeys(doc)})`,
        raw: redactedJson(doc, ctx.storePromptText),
      }],
    };
  }
  let out: ReturnType<FormatDecoder['decode']>;
  try {
    decoderFault(doc);
    out = decoder.decode(doc, ctx);
  } catch (err) {
    // A decoder bug must cost this record only, never its segment: the rest of the partition
    // would otherwise stop behind it (the worker fails, the consumer restarts on the same offset).
    return {
      records: [],
      rejects: [{
        reason: 'decode_error', format: decoder.format, rawEncoding: 'utf8', recordIndex, rawBytes: 0,
        detail: `${decoder.format} decoder failed: ${errorMessage(err)}`, raw: safeRedactedJson(doc, ctx.storePromptText),
      }],
    };
  }
  return {
    records: out.records,
    rejects: out.rejects.map((r) => ({ ...r, rawEncoding: 'utf8' as const, rawBytes: Buffer.byteLength(r.raw), recordIndex })),
  };
}

/** redactedJson, or '' when even that fails (the record is what broke the decoder). */
function safeRedactedJson(doc: unknown, storePromptText: boolean): string {
  try {
    return redactedJson(doc, storePromptText);
  } catch {
    return '';
  }
}

function describeKeys(doc: unknown): string {
  if (Array.isArray(doc)) return '(array)';
  if (doc === null || typeof doc !== 'object') return `(${doc === null ? 'null' : typeof doc})`;
  const keys = Object.keys(doc);
  return keys.length === 0 ? '(none)' : keys.slice(0, 8).join(', ') + (keys.length > 8 ? ', …' : '');
}

/** One Kafka message value (or one NDJSON line) → normalised records and rejects. */
export function decodeMessage(
  source: SourceKind,
  value: Uint8Array | null,
  ctx: DecodeContext,
  limits: MessageLimits,
): DecodedMessage {
  if (value === null || value.byteLength === 0) {
    return wholeMessageReject('empty_message', 'message has no value (tombstone or empty payload)', new Uint8Array(0), '');
  }
  if (value.byteLength > limits.maxMessageBytes) {
    // Kept as base64 of the first bytes only would lose evidence; keep it whole, it is compressed.
    return wholeMessageReject('oversized', `message is ${value.byteLength} bytes, limit ${limits.maxMessageBytes}`, value);
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return wholeMessageReject('invalid_utf8', 'message bytes are not valid UTF-8', value);
  }
  if (exceedsDepth(text)) {
    // Only a prefix is kept: the rest is more of the same brackets, and it is what overflowed.
    return wholeMessageReject('too_deep', `JSON nests deeper than ${MAX_JSON_DEPTH} levels`, value,
      maskUnparsedContent(text.slice(0, TOO_DEEP_KEPT_CHARS)));
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return wholeMessageReject('invalid_json', `invalid JSON: ${(err as Error).message}`, value, maskUnparsedContent(text));
  }
  if (!Array.isArray(doc)) {
    rememberSourceText(doc, text);
    return decodeDocument(source, doc, ctx, 0);
  }
  // A top-level array is a batch of records (e.g. an Okta /api/v1/logs page); each stands alone.
  const merged: DecodedMessage = { records: [], rejects: [] };
  doc.forEach((element, i) => {
    const part = decodeDocument(source, element, ctx, i);
    for (const r of part.records) merged.records.push(r);
    for (const r of part.rejects) merged.rejects.push(r);
  });
  return merged;
}

export function decodeContext(storePromptText: boolean, maxFutureSkewMs: number): DecodeContext {
  return { storePromptText, maxEventTime: Date.now() + maxFutureSkewMs };
}
