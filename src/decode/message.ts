import type { DecodeContext, DecodedRecord, FormatDecoder, RecordReject, SourceKind } from './types.ts';
import { findDecoder } from './registry.ts';
import { rememberSourceText, sourceTextOf } from '../normalize/content.ts';
import { maskSecrets } from '../normalize/secrets.ts';
import { REJECT_PREFIX_CHARS, sha256Hex, shapeOnly, shapeOnlyPrefix } from './reject-evidence.ts';
import { scrubSecrets } from './scrub-secrets.ts';
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
  /** Keep an unreadable message whole in its reject (opt-in); by default a redacted prefix + SHA-256. */
  keepWholeRejects?: boolean;
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
  limits: MessageLimits,
  asText?: string,
): DecodedMessage {
  let raw: string;
  let rawEncoding: 'utf8' | 'base64' = 'utf8';
  let why = detail;
  if (bytes.byteLength === 0) raw = asText ?? '';
  else if (limits.keepWholeRejects === true) {
    rawEncoding = asText === undefined ? 'base64' : 'utf8';
    raw = asText ?? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  } else {
    // Never the whole message: see decode/reject-evidence.ts. Non-UTF-8 bytes show as U+FFFD.
    const head = asText ?? lenientUtf8.decode(bytes.subarray(0, REJECT_PREFIX_CHARS * 4));
    raw = shapeOnlyPrefix(head);
    why = `${detail}; kept: redacted prefix, sha256 ${sha256Hex(bytes)}`;
  }
  return {
    records: [],
    rejects: [{ reason, format: '', detail: why, raw, rawEncoding, rawBytes: bytes.byteLength, recordIndex: 0 }],
  };
}

const lenientUtf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * V8's JSON.parse messages quote the text around the error (`Unexpected token 'x', "{"prompt":
 * "…" is not valid JSON`), which would copy the message into `detail`: keep the error, not the quote.
 */
function jsonErrorDetail(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cut = message.search(/, "|"/);
  return cut === -1 ? message : message.slice(0, cut);
}

/** Decodes one parsed document (a record, or an envelope the format itself knows) of a source. */
export function decodeDocument(source: SourceKind, doc: unknown, ctx: DecodeContext, recordIndex: number): DecodedMessage {
  const decoder = findDecoder(source, doc);
  if (!decoder) {
    const original = originalOf(doc);
    return {
      records: [],
      rejects: [{
        reason: 'unknown_format', format: '', rawEncoding: 'utf8', recordIndex, rawBytes: original.bytes,
        detail: `no ${source} format matches this record (top-level keys: ${maskSecrets(describeKeys(doc))}); kept: shape only, ${original.sha256}`,
        // No format, so no contract says which fields are not content: keep the shape only.
        raw: JSON.stringify(shapeOnly(doc)) ?? 'null',
      }],
    };
  }
  let out: ReturnType<FormatDecoder['decode']>;
  try {
    decoderFault(doc);
    out = scrubSecrets(doc, decoder.decode(doc, ctx));
  } catch (err) {
    // A decoder bug must cost this record only, never its segment: the rest of the partition
    // would otherwise stop behind it (the worker fails, the consumer restarts on the same offset).
    // The decoder did not get to say which fields are content, so only the shape is kept.
    const original = originalOf(doc);
    return {
      records: [],
      rejects: [{
        reason: 'decode_error', format: decoder.format, rawEncoding: 'utf8', recordIndex, rawBytes: original.bytes,
        detail: `${decoder.format} decoder failed: ${maskSecrets(errorMessage(err))}; kept: shape only, ${original.sha256}`, raw: safeShape(doc),
      }],
    };
  }
  if (out.rejects.length === 0) return { records: out.records, rejects: [] };
  const original = originalOf(doc);
  return {
    records: out.records,
    rejects: out.rejects.map((r) => ({
      ...r, rawEncoding: 'utf8' as const, rawBytes: original.bytes, recordIndex,
      detail: `${r.detail}; kept: the fields its format allows, ${original.sha256}`,
    })),
  };
}

/**
 * Size and SHA-256 of the record a record-level reject stands for: its raw keeps only what the
 * format allows (normalize/raw-fields.ts) or its shape, so these are what identifies the original
 * at its producer. The message text when the record is a whole message; a record inside a
 * top-level array is hashed as its JSON serialisation.
 */
function originalOf(doc: unknown): { bytes: number; sha256: string } {
  let text: string | undefined;
  try {
    text = sourceTextOf(doc) ?? JSON.stringify(doc);
  } catch {
    text = undefined;
  }
  if (text === undefined) return { bytes: 0, sha256: 'sha256 unknown' };
  return { bytes: Buffer.byteLength(text), sha256: `sha256 ${sha256Hex(text)}` };
}

/** The record's shape (keys and figures), or '' when even that fails (it broke the decoder). */
function safeShape(doc: unknown): string {
  try {
    return JSON.stringify(shapeOnly(doc)) ?? 'null';
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
    return wholeMessageReject('empty_message', 'message has no value (tombstone or empty payload)', new Uint8Array(0), limits, '');
  }
  if (value.byteLength > limits.maxMessageBytes) {
    return wholeMessageReject('oversized', `message is ${value.byteLength} bytes, limit ${limits.maxMessageBytes}`, value, limits);
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return wholeMessageReject('invalid_utf8', 'message bytes are not valid UTF-8', value, limits);
  }
  if (exceedsDepth(text)) {
    // Only a prefix is kept: the rest is more of the same brackets, and it is what overflowed.
    return wholeMessageReject('too_deep', `JSON nests deeper than ${MAX_JSON_DEPTH} levels`, value, limits,
      text.slice(0, TOO_DEEP_KEPT_CHARS));
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return wholeMessageReject('invalid_json', `invalid JSON: ${jsonErrorDetail(err)}`, value, limits, text);
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
