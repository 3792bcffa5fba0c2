import { createHash } from 'node:crypto';
import type { ContentFingerprint } from './rows.ts';

/**
 * driftwatch must not become a second copy of everyone's prompts. A prompt or response is stored
 * as presence + size + SHA-256; its text only when the operator opted in (storePromptText).
 */

/** Values sources use to say "nothing was logged" (formats.md N4). */
const NOT_LOGGED = new Set(['', '{}', '[]', 'null', '<REDACTED>', 'REDACTED']);

export function isLogged(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return !NOT_LOGGED.has(value.trim());
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

export function fingerprintContent(value: unknown, storeText: boolean): ContentFingerprint {
  if (!isLogged(value)) return { logged: false, bytes: 0, sha256: '', text: '' };
  const textValue = typeof value === 'string' ? value : JSON.stringify(value);
  const bytes = Buffer.byteLength(textValue, 'utf8');
  const sha256 = createHash('sha256').update(textValue).digest('hex');
  return { logged: true, bytes, sha256, text: storeText ? textValue : '' };
}

/** Placeholder written into the stored raw record in place of prompt/response text. */
export function redactedMarker(fp: ContentFingerprint): string {
  return `[redacted ${fp.bytes} bytes sha256:${fp.sha256.slice(0, 16)}]`;
}

/**
 * Keys whose values are prompt or response text, or credentials, in any of the supported formats.
 * Redaction walks the parsed record and replaces these values, so the kept raw record is evidence
 * of what happened without being a copy of what was said.
 */
const CONTENT_KEYS = new Set([
  'messages', 'response', 'proxy_server_request', 'prompt', 'completion',
  'inputbodyjson', 'outputbodyjson', 'tool_parameters', 'tool_input', 'tool_content',
  'body_text', 'request_body', 'response_body', 'assistant_response',
]);
const PAYLOAD_PARENT_KEYS = new Set(['payload']);
const SECRET_KEYS = new Set(['authorization', 'x-api-key', 'api-key', 'cookie', 'proxy-authorization']);

export function redactRecord(record: unknown, storeText: boolean): unknown {
  return redactValue(record, storeText, '');
}

type Redactor = (value: unknown, storeText: boolean, parentKey: string) => unknown;

/** The redacted value of `key` (its lower-cased form `k`) in an object under `parentKey`. */
function redactEntry(k: string, v: unknown, storeText: boolean, parentKey: string, walk: Redactor): unknown {
  if (SECRET_KEYS.has(k) && typeof v === 'string') return v === 'REDACTED' ? v : '[redacted credential]';
  if (!storeText && (CONTENT_KEYS.has(k) || PAYLOAD_PARENT_KEYS.has(parentKey)) && isLogged(v) && !isHttpEnvelope(v)) {
    return redactedMarker(fingerprintContent(v, false));
  }
  return walk(v, storeText, k);
}

function redactValue(value: unknown, storeText: boolean, parentKey: string): unknown {
  if (Array.isArray(value)) return value.map((v) => redactValue(v, storeText, parentKey));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] = redactEntry(key.toLowerCase(), v, storeText, parentKey, redactValue);
  }
  return out;
}

/**
 * redactValue for a result that is only serialised (redactedJson): unchanged objects and arrays
 * are returned as they are instead of copied, so a record with one header to mask copies one
 * path, not the whole tree. Serialises to the same text as redactValue's copy.
 */
function redactShared(value: unknown, storeText: boolean, parentKey: string): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const r = redactShared(v, storeText, parentKey);
      if (out === undefined && r !== v) out = value.slice(0, i);
      out?.push(r);
    }
    return out ?? value;
  }
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  // redactValue's copy assigns `__proto__` through the setter, which drops it from the text: copy
  // such an object the same way.
  let out: Record<string, unknown> | undefined = Object.prototype.hasOwnProperty.call(value, '__proto__') ? {} : undefined;
  for (let i = 0; i < entries.length; i++) {
    const [key, v] = entries[i] as [string, unknown];
    const r = redactEntry(key.toLowerCase(), v, storeText, parentKey, redactShared);
    if (out === undefined && r !== v) {
      out = {};
      for (let j = 0; j < i; j++) out[(entries[j] as [string, unknown])[0]] = (entries[j] as [string, unknown])[1];
    }
    if (out !== undefined) out[key] = r;
  }
  return out ?? value;
}

/**
 * Kong's top-level `response` is the HTTP envelope (status, size, headers), not model output; it
 * is evidence (the status code) and holds no text, so it is walked, not replaced.
 */
function isHttpEnvelope(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Record<string, unknown>)['status'] === 'number' && 'headers' in v;
}

/**
 * The message text each top-level document was parsed from (set by decode/message.ts). When that
 * text holds nothing to redact, it IS the redacted record: re-serialising a 1.5 KB document per
 * event was a third of the decode cost (bench:ingest).
 */
const SOURCE_TEXT = new WeakMap<object, string>();

export function rememberSourceText(doc: unknown, text: string): void {
  if (doc !== null && typeof doc === 'object') SOURCE_TEXT.set(doc, text);
}

// A key that redaction would change, unless its value is one of the "nothing logged" forms,
// Kong's HTTP response envelope (kept, see isHttpEnvelope), or an OTLP log body that is only the
// Claude Code event name.
const REDACTABLE_IN_TEXT =
  /"(?:messages|response|proxy_server_request|prompt|completion|inputBodyJson|outputBodyJson|tool_parameters|tool_input|tool_content|body_text|request_body|response_body|assistant_response|payload|authorization|x-api-key|api-key|cookie|proxy-authorization|arguments|result|mcp_tool_call_metadata|body)"\s*:(?!\s*(?:"\{\}"|"\[\]"|""|null|\{\}|\[\]|"<REDACTED>"|"REDACTED")\s*[,}\]]|\s*\{\s*"status"\s*:\s*\d|\s*\{\s*"stringValue"\s*:\s*"claude_code\.[a-z_]+"\s*\})/i;

/** The original text of `record` if it was parsed from a message and needs no redaction. */
export function cleanSourceText(record: unknown): string | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const text = SOURCE_TEXT.get(record);
  return text !== undefined && !REDACTABLE_IN_TEXT.test(text) ? text : undefined;
}

/** Redacted JSON text of a record, ready for the `raw` column. */
export function redactedJson(record: unknown, storeText: boolean): string {
  return cleanSourceText(record) ?? JSON.stringify(redactShared(record, storeText, ''));
}
