import { createHash } from 'node:crypto';
import type { ContentFingerprint } from './rows.ts';
import { secretFingerprint } from './secrets.ts';
import { EVIDENCE_HEADERS } from '../../schemas/events/raw-fields.ts';

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
 * A second line behind the per-format allowlists (normalize/raw-fields.ts) that build `raw`: the
 * samples an alert's evidence carries pass through redactRecord, which finds content by rule on the
 * key name, so a record stored before the allowlists, or an allowlist that named too much, still
 * shows no prompt in an alert.
 *
 * Content is recognised by rule on the key name, not by a list of the names seen so far: Claude
 * Code 2.1.294 added `prompt_text` beside `prompt` (issue 10), and a gateway passes through
 * whatever a client put in its body. A key is content when its name (lower-cased, last dotted
 * segment) says it holds what was said or done: prompt*, response*, *_prompt, *_response,
 * *_content, messages, completion*, tool_input/tool_parameters/tool_result, any *body*, system*,
 * instructions, notes and free-text comments/errors. Its value is kept as size + SHA-256.
 * WEAK keys hold text in some formats and structure in others (Bedrock's `input` object holds
 * token counts): their string values are replaced, objects are walked.
 */
const CONTENT_KEY =
  /^(?:prompt.*|.*_prompts?|response|responses|response_text|.*_response|.*_content|content|contents|messages?|completions?|completion_text|tool_input|tool_parameters|tool_params|tool_result|tool_output|tool_content|.*body.*|system.*|instructions?|notes?|comments?|proxy_server_request|assistant_response|arguments|transcript|query)$/;
const WEAK_CONTENT_KEY = /^(?:.*_text|text|input|output|error|error_message|errormessage|error_description|reason_text|message|description_text|summary|title_text)$/;
const PAYLOAD_PARENT_KEYS = new Set(['payload']);

// Names that describe content without holding it (prompt_tokens, prompt_length, prompt.id,
// response_cost, tool_input_size_bytes): figures and ids are evidence, never text.
const DESCRIBES_CONTENT = /(?:_tokens?|_tokens_details|_details|_length|_size|_bytes|_count|_id|_ids|_sha256|_hash|_ms|_type|_source|_name|_cost|_usd|_at|_time)$/;

function lastSegment(k: string): string {
  return k.slice(k.lastIndexOf('.') + 1);
}

// Keys repeat across records: each is classified once (bounded, so hostile unique keys cannot grow it).
const KEY_KIND = new Map<string, number>();
const CONTENT = 1;
const WEAK = 2;

function keyKind(key: string): number {
  let kind = KEY_KIND.get(key);
  if (kind === undefined) {
    const last = lastSegment(key.toLowerCase());
    kind = DESCRIBES_CONTENT.test(last) ? 0 : CONTENT_KEY.test(last) ? CONTENT : WEAK_CONTENT_KEY.test(last) ? WEAK : 0;
    if (KEY_KIND.size > 10_000) KEY_KIND.clear();
    KEY_KIND.set(key, kind);
  }
  return kind;
}

/** Whether a key (an attribute name, possibly dotted) names content by the rule above. */
export function isContentKey(key: string): boolean {
  return keyKind(key) === CONTENT;
}

/** Whether `key: value` is content: a content key, or a free-text key holding a string. */
export function isContentEntry(key: string, value: unknown): boolean {
  if (typeof value === 'number' || typeof value === 'boolean') return false;
  return isContentKey(key) || (isWeakContentKey(key) && typeof value === 'string');
}

function isWeakContentKey(key: string): boolean {
  return keyKind(key) === WEAK;
}

/** Header names whose value is a credential: stored only as a fingerprint. */
const SECRET_KEYS = /^(?:authorization|proxy-authorization|x-api-key|api-key|x-goog-api-key|openai-api-key|anthropic-api-key|cookie|set-cookie|password|passwd|secret|client_secret|.*_secret|access_token|refresh_token|id_token|x-litellm-api-key|x-auth-token)$/;

/**
 * Headers are a free channel (ANTHROPIC_CUSTOM_HEADERS, a debug header carrying the prompt), so
 * only the ones the format contract names as evidence keep their value; any other header keeps its
 * name and is stored as size + SHA-256.
 */
const HEADER_CONTAINERS = new Set(['headers', 'request_headers', 'response_headers', 'requester_custom_headers', 'custom_headers', 'http_headers']);
const KEPT_HEADERS = new Set(EVIDENCE_HEADERS.filter((h) => !h.includes('*')));
const SESSION_HEADER = /^x-.+-session-id$/;

export function redactRecord(record: unknown, storeText: boolean): unknown {
  return redactValue(record, storeText, '');
}

type Redactor = (value: unknown, storeText: boolean, parentKey: string) => unknown;

function contentMarker(v: unknown): string {
  return redactedMarker(fingerprintContent(v, false));
}

/** The redacted value of `key` (its lower-cased form `k`) in an object under `parentKey`. */
function redactEntry(k: string, v: unknown, storeText: boolean, parentKey: string, walk: Redactor): unknown {
  if (SECRET_KEYS.test(k) && typeof v === 'string') return v === 'REDACTED' || v === '' ? v : secretFingerprint(v);
  if (!storeText && HEADER_CONTAINERS.has(parentKey) && !KEPT_HEADERS.has(k) && !SESSION_HEADER.test(k)) {
    return isLogged(v) ? contentMarker(v) : v;
  }
  if (k === 'body' && isEventNameBody(v)) return v;
  // Numbers and booleans are figures (counts, flags), never what was said.
  if (!storeText && isLogged(v) && (typeof v === 'string' || typeof v === 'object') && !isHttpEnvelope(v)) {
    if (isContentKey(k) || PAYLOAD_PARENT_KEYS.has(parentKey)) return contentMarker(v);
    if (isWeakContentKey(k) && typeof v === 'string') return contentMarker(v);
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
 * Kong's top-level `response` is the HTTP envelope (status, size, headers), not model output; it
 * is evidence (the status code) and holds no text, so it is walked, not replaced.
 */
function isHttpEnvelope(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Record<string, unknown>)['status'] === 'number' && 'headers' in v;
}

/** An OTLP log body that is only the Claude Code event name: evidence, not content. */
function isEventNameBody(v: unknown): boolean {
  if (typeof v === 'string') return /^claude_code\.[a-z_.]+$/.test(v);
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as Record<string, unknown>)['stringValue'] === 'string' && /^claude_code\.[a-z_.]+$/.test((v as Record<string, string>)['stringValue'] ?? '');
}

/**
 * The message text each top-level document was parsed from (set by decode/message.ts). When that
 * text holds nothing to redact, it IS the redacted record: re-serialising a 1.5 KB document per
 * event was a third of the decode cost (bench:ingest).
 */
const SOURCE_TEXT = new WeakMap<object, string>();

/** The message text `doc` was parsed from, if it is a top-level document of a message. */
export function sourceTextOf(doc: unknown): string | undefined {
  return doc !== null && typeof doc === 'object' ? SOURCE_TEXT.get(doc) : undefined;
}

export function rememberSourceText(doc: unknown, text: string): void {
  if (doc !== null && typeof doc === 'object') SOURCE_TEXT.set(doc, text);
}
