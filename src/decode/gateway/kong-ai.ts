import { KONG_AI_RAW, KONG_PROXY_KEYS, kongAiLogSchema, type KongAiLog, type KongAiProxy } from '../../../schemas/events/kong.ts';
import type { DecodeContext, FormatDecoder } from '../types.ts';
import type { GatewayRequestRow } from '../../normalize/rows.ts';
import { eventTime } from '../../normalize/time.ts';
import { normalizeEmail, text } from '../../normalize/identity.ts';
import { toCount, toNumber } from '../../normalize/numbers.ts';
import { canonicalModel } from '../../normalize/model.ts';
import { isRecord } from '../shape.ts';
import {
  CLIENT_REQUEST_HEADER,
  contentColumns,
  gatewayDecoder,
  header,
  sessionIdOf,
  splitInclusivePrompt,
  uniqueNonEmpty,
} from './common.ts';
import { compileRawFields } from '../../normalize/raw-fields.ts';

/** Kong log-plugin object (http-log, kafka-log, …) of an AI Proxy request (formats.md §2). */
export const KONG_AI_PROXY_FORMAT = 'kong.ai_proxy';
/** The same log object for a request through the AI MCP plugin: `ai.mcp` and no proxy section. */
export const KONG_AI_MCP_FORMAT = 'kong.ai_mcp';

/** The proxy statistics, wherever this Kong release put them (`ai.proxy` or `ai["ai-proxy"]`). */
function proxySection(ai: unknown): unknown {
  if (!isRecord(ai)) return undefined;
  for (const key of KONG_PROXY_KEYS) if (isRecord(ai[key])) return ai[key];
  return undefined;
}

function proxyOf(log: KongAiLog): KongAiProxy {
  return (proxySection(log.ai) as KongAiProxy | undefined) ?? {};
}

const MCP_TOOL_CALL = 'tools/call';
const RAW_FIELDS = compileRawFields(KONG_AI_RAW);

function upstreamHost(log: KongAiLog): string {
  const lastTry = log.tries?.at(-1);
  const lastTarget = proxyOf(log).tried_targets?.at(-1);
  const fromTries = text(lastTry?.hostname) || text(lastTarget?.host);
  if (fromTries !== '') return fromTries;
  // upstream_uri is normally a path; only an absolute URL names the host.
  const uri = text(log.upstream_uri);
  if (/^https?:\/\//i.test(uri)) {
    try {
      return new URL(uri).hostname;
    } catch {
      // fall through to the service host
    }
  }
  return text(log.service?.host);
}

function status(log: KongAiLog): string {
  const code = log.response?.status ?? toNumber(log.upstream_status);
  if (!code) return '';
  return code < 400 ? 'success' : 'failure';
}

/** MCP tool calls seen by the AI MCP Proxy plugin; the Kong service fronts the MCP server. */
function mcpColumns(log: KongAiLog): Pick<GatewayRequestRow, 'tool_names' | 'mcp_servers'> {
  const calls = (log.ai.mcp?.rpc ?? []).filter((r) => text(r.method) === MCP_TOOL_CALL);
  const tools = uniqueNonEmpty(calls.map((r) => text(r.tool_name)));
  return { tool_names: tools, mcp_servers: tools.length > 0 ? uniqueNonEmpty([text(log.service?.name)]) : [] };
}

function toRow(format: string, log: KongAiLog, raw: string, ctx: DecodeContext): GatewayRequestRow {
  // Epoch milliseconds (N3); eventTime rejects the value if it was mistaken for seconds upstream.
  const event_time = eventTime(log.started_at, ctx.maxEventTime);
  // An MCP-only record has no proxy section: no model, no tokens, only the tool calls.
  const { meta, usage, payload } = proxyOf(log);
  const mcpOnly = format === KONG_AI_MCP_FORMAT;
  const headers = log.request.headers;
  const consumer = log.consumer;
  // OpenAI semantics (N1): prompt_tokens includes the cached reads; no cache-write count exists.
  const prompt = usage?.prompt_tokens ?? usage?.prompt_token ?? usage?.input_tokens;
  const output = usage?.completion_tokens ?? usage?.completion_token ?? usage?.output_tokens;

  return {
    event_time,
    format,
    gateway: 'kong',
    request_id: text(log.request.id) || header(log.response?.headers, 'x-kong-request-id'),
    session_id: sessionIdOf(headers),
    client_request_id: header(headers, CLIENT_REQUEST_HEADER),
    api_key_id: text(log.authenticated_entity?.id) || text(consumer?.id),
    api_key_alias: text(consumer?.username),
    user_id: text(consumer?.id),
    user_email: normalizeEmail(consumer?.username),
    end_user: '',
    team_id: text(consumer?.custom_id),
    org_id: '',
    provider: text(meta?.provider_name),
    model_requested: canonicalModel(meta?.request_model),
    model_served: canonicalModel(meta?.response_model),
    upstream: upstreamHost(log),
    route: text(log.route?.name),
    call_type: mcpOnly ? 'mcp' : text(meta?.operation_name) || text(meta?.request_mode),
    tags: [],
    user_agent: header(headers, 'user-agent'),
    client_ip: text(log.client_ip),
    status: status(log),
    cost_usd: toNumber(usage?.cost),
    duration_ms: toCount(log.latencies?.request),
    ...splitInclusivePrompt(toCount(prompt), toCount(usage?.prompt_tokens_details?.cached_tokens), 0, toCount(output)),
    ...contentColumns(payload?.request ?? log.ai.payload?.request, payload?.response, ctx.storePromptText),
    ...mcpColumns(log),
    raw,
  };
}

const isKongAiLog = (doc: unknown): doc is Record<string, unknown> & { ai: Record<string, unknown> } =>
  isRecord(doc) && isRecord(doc['request']) && isRecord(doc['ai']);

export const kongAiProxyDecoder: FormatDecoder = gatewayDecoder({
  format: KONG_AI_PROXY_FORMAT,
  schema: kongAiLogSchema,
  matches: (doc) => isKongAiLog(doc) && proxySection(doc.ai) !== undefined,
  timeField: 'started_at',
  rawFields: RAW_FIELDS,
  build: (log, raw, ctx) => toRow(KONG_AI_PROXY_FORMAT, log, raw, ctx),
});

/**
 * AI MCP plugin requests. Its own format so that MCP traffic is counted apart from model traffic;
 * a record that also had a proxy section (Kong says not to combine them) stays an AI Proxy record,
 * whose MCP calls are mapped as well.
 */
export const kongAiMcpDecoder: FormatDecoder = gatewayDecoder({
  format: KONG_AI_MCP_FORMAT,
  schema: kongAiLogSchema,
  matches: (doc) => isKongAiLog(doc) && proxySection(doc.ai) === undefined && isRecord(doc.ai['mcp']),
  timeField: 'started_at',
  rawFields: RAW_FIELDS,
  build: (log, raw, ctx) => toRow(KONG_AI_MCP_FORMAT, log, raw, ctx),
});
