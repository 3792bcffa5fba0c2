import type { z } from 'zod';
import type { DecodeContext, DecodeOutput, FormatDecoder } from '../types.ts';
import type { ContentFingerprint, GatewayRequestRow, TokenCounts } from '../../normalize/rows.ts';
import { TimeParseError, toMillis } from '../../normalize/time.ts';
import { fingerprintContent } from '../../normalize/content.ts';
import { rawText, type CompiledRawFields } from '../../normalize/raw-fields.ts';
import { normalizeEmail, text } from '../../normalize/identity.ts';
import { toCount } from '../../normalize/numbers.ts';
import type { LiteLlmUsage } from '../../../schemas/events/litellm.ts';
import { issuesDetail, schemaViolation } from '../reject.ts';
import { isRecord } from '../shape.ts';
import { safeParseFast } from '../schema-fast-path.ts';

/** Helpers shared by the LiteLLM and Kong decoders (formats.md §1, §2 and N1–N6). */

const MAX_ISSUES = 5;

function violation(format: string, detail: string, raw: string): DecodeOutput {
  return { records: [], rejects: [schemaViolation(format, detail, raw)] };
}

export interface GatewayDecodeSpec<T> {
  format: string;
  schema: z.ZodType<T>;
  /** Cheap shape sniff that picks this decoder for a message (FormatDecoder.matches). */
  matches: (doc: unknown) => boolean;
  /** Field the event time comes from, named in the reject detail when it is implausible. */
  timeField: string;
  /** What the stored `raw` record keeps (the format's RawFields, compiled). */
  rawFields: CompiledRawFields;
  build: (record: T, raw: string, ctx: DecodeContext) => GatewayRequestRow;
}

/** A gateway format: one request per record, validated by `schema`, normalised by `build`. */
export function gatewayDecoder<T>(spec: GatewayDecodeSpec<T>): FormatDecoder {
  return {
    format: spec.format,
    source: 'gateway',
    matches: spec.matches,
    decode: (doc, ctx) => decodeGatewayRecord(spec, doc, ctx),
  };
}

/**
 * Validate, then normalise. An implausible event time (TimeParseError) is a schema violation; any
 * other exception is turned into a reject too, because one poison record must not stop a partition.
 */
function decodeGatewayRecord<T>(spec: GatewayDecodeSpec<T>, doc: unknown, ctx: DecodeContext): DecodeOutput {
  const raw = rawText(doc, spec.rawFields, ctx.storePromptText);
  const parsed = safeParseFast(spec.schema, doc);
  if (!parsed.success) return violation(spec.format, issuesDetail(parsed.error, { max: MAX_ISSUES }), raw);
  try {
    const row = spec.build(parsed.data, raw, ctx);
    return { records: [{ table: 'gateway_requests', format: spec.format, row }], rejects: [] };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const detail = err instanceof TimeParseError ? `${spec.timeField}: ${message}` : `decoder error: ${message}`;
    return violation(spec.format, detail, raw);
  }
}

/** Header value by case-insensitive name; a multi-valued header gives its first value. */
export function header(headers: unknown, name: string): string {
  if (!isRecord(headers)) return '';
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return text(Array.isArray(value) ? value[0] : value);
  }
  return '';
}

/**
 * The downstream person a service called on behalf of (LiteLLM `end_user`): an e-mail is
 * lower-cased like every other (N6), any other id is kept as sent.
 */
export function endUserOf(...candidates: unknown[]): string {
  for (const c of candidates) {
    const v = text(c);
    if (v !== '') return normalizeEmail(v) || v;
  }
  return '';
}

export const CLAUDE_SESSION_HEADER = 'x-claude-code-session-id';
export const CLIENT_REQUEST_HEADER = 'x-client-request-id';

// LiteLLM's generic session-header rule (formats.md §1c, get_chain_id_from_headers).
const SESSION_HEADER = /^x-.+-session-id$/i;
const SESSION_VALUE = /^[A-Za-z0-9_-]{8,}$/;

function genericSessionHeader(headers: unknown): string {
  if (!isRecord(headers)) return '';
  for (const [key, value] of Object.entries(headers)) {
    if (!SESSION_HEADER.test(key)) continue;
    const v = text(Array.isArray(value) ? value[0] : value);
    if (SESSION_VALUE.test(v)) return v;
  }
  return '';
}

/**
 * The session join key (N6): the agent's own header when the client sent it, then the id the
 * gateway itself logged (often a fresh uuid per request, hence not first), then any
 * `x-*-session-id` header.
 */
export function sessionIdOf(headers: unknown, gatewaySessionId = ''): string {
  return header(headers, CLAUDE_SESSION_HEADER) || gatewaySessionId || genericSessionHeader(headers);
}

/**
 * Split a prompt count that includes cache reads and writes (LiteLLM for Anthropic, Kong/OpenAI
 * for reads) into the canonical four kinds (N1).
 */
export function splitInclusivePrompt(prompt: number, cacheRead: number, cacheWrite: number, output: number): TokenCounts {
  return {
    uncached_input_tokens: Math.max(0, prompt - cacheRead - cacheWrite),
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    output_tokens: output,
  };
}

type Count = number | null | undefined;

/**
 * LiteLLM tokens (N1): prompt_tokens includes cache reads and writes; the breakdown lives in one of
 * several usage objects depending on the record and the LiteLLM build, so the first one that has
 * a value wins (callers pass them most authoritative first).
 */
export function liteLlmTokens(prompt: Count, completion: Count, sources: (LiteLlmUsage | null | undefined)[]): TokenCounts {
  const usage = sources.filter((u): u is LiteLlmUsage => u !== null && u !== undefined);
  const first = (pick: (u: LiteLlmUsage) => Count): number | undefined => {
    for (const u of usage) {
      const v = pick(u);
      if (v !== null && v !== undefined) return v;
    }
    return undefined;
  };
  const read = first((u) => u.cache_read_input_tokens ?? u.prompt_tokens_details?.cached_tokens);
  const write = first((u) => u.cache_creation_input_tokens ?? u.prompt_tokens_details?.cache_creation_tokens);
  return splitInclusivePrompt(
    toCount(prompt ?? first((u) => u.prompt_tokens)),
    toCount(read),
    toCount(write),
    toCount(completion ?? first((u) => u.completion_tokens)),
  );
}

type ContentColumns = Pick<
  GatewayRequestRow,
  | 'prompt_logged' | 'prompt_bytes' | 'prompt_sha256' | 'prompt_text'
  | 'response_logged' | 'response_bytes' | 'response_sha256' | 'response_text'
>;

/** Presence, size and hash of prompt and response (N4); text only when the operator opted in. */
export function contentColumns(prompt: unknown, response: unknown, storeText: boolean): ContentColumns {
  const p: ContentFingerprint = fingerprintContent(prompt, storeText);
  const r: ContentFingerprint = fingerprintContent(response, storeText);
  return {
    prompt_logged: p.logged ? 1 : 0,
    prompt_bytes: p.bytes,
    prompt_sha256: p.sha256,
    prompt_text: p.text,
    response_logged: r.logged ? 1 : 0,
    response_bytes: r.bytes,
    response_sha256: r.sha256,
    response_text: r.text,
  };
}

/** Milliseconds between a start (epoch ms) and an end in any supported unit; 0 when unknown. */
export function elapsedMs(startMs: number, end: unknown): number {
  if (end === null || end === undefined || end === '') return 0;
  try {
    const ms = toMillis(end) - startMs;
    return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : 0;
  } catch {
    return 0;
  }
}

export function uniqueNonEmpty(values: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const v of values) if (v !== '') out.add(v);
  return [...out];
}

/** `server/tool` or `server__tool` (LiteLLM namespacing; `mcp__server__tool` from Claude Code). */
export function splitNamespacedTool(name: string): { server: string; tool: string } {
  const n = name.startsWith('mcp__') ? name.slice('mcp__'.length) : name;
  for (const sep of ['/', '__']) {
    const at = n.indexOf(sep);
    if (at > 0 && at + sep.length < n.length) return { server: n.slice(0, at), tool: n.slice(at + sep.length) };
  }
  return { server: '', tool: n };
}

interface McpToolCall {
  name?: string | null;
  mcp_server_name?: string | null;
  namespaced_tool_name?: string | null;
}

/** Tool and MCP server names from LiteLLM's MCP fields (SpendLogs column and/or metadata). */
export function liteLlmMcpColumns(
  namespacedColumn: string | null | undefined,
  call: McpToolCall | null | undefined,
): Pick<GatewayRequestRow, 'tool_names' | 'mcp_servers'> {
  const tools: string[] = [];
  const servers: string[] = [];
  for (const ns of [text(namespacedColumn), text(call?.namespaced_tool_name)]) {
    if (ns === '') continue;
    const { server, tool } = splitNamespacedTool(ns);
    servers.push(server);
    tools.push(tool);
  }
  const server = text(call?.mcp_server_name);
  servers.push(server);
  let name = text(call?.name);
  // `name` is sometimes already namespaced with the server it belongs to.
  for (const prefix of [`${server}/`, `${server}__`]) {
    if (server !== '' && name.startsWith(prefix)) name = name.slice(prefix.length);
  }
  tools.push(name);
  return { tool_names: uniqueNonEmpty(tools), mcp_servers: uniqueNonEmpty(servers) };
}
