import { z } from 'zod';
import { durationMs, tokenCount, usdAmount } from './bounds.ts';
import { EVIDENCE_HEADERS, under, type RawFields } from './raw-fields.ts';

/**
 * Kong Gateway log object (http-log, kafka-log, file-log, …) for a request through an AI plugin
 * (formats.md §2): AI Proxy / AI Proxy Advanced statistics under `ai.proxy`, or under the plugin
 * name (`ai["ai-proxy"]`, `ai["ai-proxy-advanced"]`) on gateways 3.6/3.7, or, through the AI MCP
 * plugin, `ai.mcp` alone (Kong's AI Gateway audit log reference: the MCP plugin is not combined with
 * other ai-* plugins). Loose objects: the core envelope and the AI section both grow per Kong
 * release. Only the fields driftwatch maps are validated.
 */

const count = tokenCount;
const optionalCount = count.nullish();
const optionalText = z.string().nullish();

// Values are strings, or arrays for repeated headers; a value of another type is read as '' rather
// than costing the whole record, since only a handful of headers are mapped.
const headerMap = z.record(z.string(), z.unknown());

export const kongAiProxySchema = z.looseObject({
  meta: z
    .looseObject({
      provider_name: optionalText,
      request_model: optionalText,
      response_model: optionalText,
      request_mode: optionalText,
      operation_name: optionalText,
      llm_latency: durationMs.nullish(),
    })
    .nullish(),
  usage: z
    .looseObject({
      // OpenAI semantics (N1): prompt_tokens includes prompt_tokens_details.cached_tokens.
      prompt_tokens: optionalCount,
      completion_tokens: optionalCount,
      total_tokens: optionalCount,
      // 3.6/3.7 spell these in the singular (audit log reference of those releases).
      prompt_token: optionalCount,
      completion_token: optionalCount,
      prompt_tokens_details: z.looseObject({ cached_tokens: optionalCount }).nullish(),
      // 3.11+, for non-text modalities; used only when the text counts are absent.
      input_tokens: optionalCount,
      output_tokens: optionalCount,
      // In whatever currency the plugin's model pricing was configured (N2); assumed USD.
      cost: usdAmount.nullish(),
    })
    .nullish(),
  // Present only with payload logging on (N4).
  payload: z.looseObject({ request: z.unknown().optional(), response: z.unknown().optional() }).nullish(),
  tried_targets: z.array(z.looseObject({ host: optionalText, provider: optionalText })).nullish(),
});

export const kongMcpSchema = z.looseObject({
  mcp_session_id: optionalText,
  // JSON-RPC requests of the session; `payload.{request,response}` are content (redacted in raw).
  rpc: z.array(z.looseObject({ method: optionalText, tool_name: optionalText })).nullish(),
});

/** `ai.proxy`, or its 3.6/3.7 spelling under the plugin name. */
export const KONG_PROXY_KEYS = ['proxy', 'ai-proxy', 'ai-proxy-advanced'] as const;

export const kongAiLogSchema = z.looseObject({
  // Unix epoch milliseconds (N3).
  started_at: z.number(),
  client_ip: optionalText,
  upstream_uri: optionalText,
  upstream_status: z.union([z.number(), z.string()]).nullish(),
  request: z.looseObject({
    id: optionalText,
    uri: optionalText,
    url: optionalText,
    method: optionalText,
    headers: headerMap.nullish(),
  }),
  response: z
    .looseObject({
      status: z.number().int().nullish(),
      headers: headerMap.nullish(),
    })
    .nullish(),
  latencies: z
    .looseObject({
      request: durationMs.nullish(),
      proxy: durationMs.nullish(),
      kong: durationMs.nullish(),
    })
    .nullish(),
  tries: z.array(z.looseObject({ hostname: optionalText, ip: optionalText })).nullish(),
  consumer: z
    .looseObject({ id: optionalText, username: optionalText, custom_id: optionalText })
    .nullish(),
  authenticated_entity: z.looseObject({ id: optionalText, consumer_id: optionalText }).nullish(),
  route: z.looseObject({ id: optionalText, name: optionalText }).nullish(),
  service: z.looseObject({ id: optionalText, name: optionalText, host: optionalText }).nullish(),
  ai: z.looseObject({
    proxy: kongAiProxySchema.nullish(),
    'ai-proxy': kongAiProxySchema.nullish(),
    'ai-proxy-advanced': kongAiProxySchema.nullish(),
    // 3.6/3.7 log the request payload once, beside the per-plugin sections.
    payload: z.looseObject({ request: z.unknown().optional() }).nullish(),
    mcp: kongMcpSchema.nullish(),
  }),
});
export type KongAiLog = z.infer<typeof kongAiLogSchema>;
export type KongAiProxy = z.infer<typeof kongAiProxySchema>;

/** Statistics of an AI plugin section (`ai.proxy`, `ai["ai-proxy"]`, …): the audit log reference's fields. */
const AI_SECTION_FIELDS = [
  'meta.provider_name', 'meta.request_model', 'meta.response_model', 'meta.plugin_id', 'meta.llm_latency', 'meta.request_mode',
  'meta.operation_name', 'usage.prompt_tokens', 'usage.completion_tokens', 'usage.total_tokens', 'usage.prompt_token',
  'usage.completion_token', 'usage.prompt_tokens_details.cached_tokens', 'usage.prompt_tokens_details.audio_tokens',
  'usage.completion_tokens_details.reasoning_tokens', 'usage.completion_tokens_details.audio_tokens',
  'usage.completion_tokens_details.accepted_prediction_tokens', 'usage.completion_tokens_details.rejected_prediction_tokens',
  'usage.input_tokens', 'usage.output_tokens', 'usage.cost', 'usage.time_per_token', 'usage.time_to_first_token',
  'tried_targets.provider', 'tried_targets.host', 'tried_targets.model', 'tried_targets.route_type', 'tried_targets.port',
  'tried_targets.ip', 'tried_targets.upstream_scheme', 'tried_targets.upstream_uri', 'cache.cache_status', 'cache.fetch_latency',
  'cache.embeddings_latency', 'cache.embeddings_provider', 'cache.embeddings_model',
];

/** What `raw` keeps of a Kong AI log object (§2): the core envelope, the AI statistics, MCP call names. */
export const KONG_AI_RAW: RawFields = {
  keep: [
    'workspace', 'workspace_name', 'source', 'upstream_uri', 'upstream_status', 'client_ip', 'started_at',
    'request.id', 'request.uri', 'request.url', 'request.method', 'request.size', 'response.status', 'response.size',
    'latencies.kong', 'latencies.proxy', 'latencies.request', 'latencies.receive',
    'tries.ip', 'tries.port', 'tries.hostname', 'tries.balancer_latency', 'tries.balancer_start', 'tries.balancer_latency_ns',
    'consumer.id', 'consumer.username', 'consumer.custom_id', 'authenticated_entity.id', 'authenticated_entity.consumer_id',
    'route.id', 'route.name', 'route.paths', 'route.hosts', 'route.protocols', 'route.methods', 'route.ws_id', 'route.service.id',
    'service.id', 'service.name', 'service.host', 'service.port', 'service.protocol', 'service.path', 'service.ws_id',
    ...under('ai.*', AI_SECTION_FIELDS),
    'ai.mcp.mcp_session_id', 'ai.mcp.rpc.id', 'ai.mcp.rpc.method', 'ai.mcp.rpc.tool_name', 'ai.mcp.rpc.latency',
    'ai.mcp.rpc.response_body_size',
  ],
  // Payloads exist only with payload logging on (N4); a request body only if a log plugin adds it.
  content: ['ai.*.payload.request', 'ai.*.payload.response', 'ai.payload.request', 'ai.payload.response', 'ai.mcp.rpc.payload', 'request.body', 'response.body'],
  names: { 'request.headers': { keep: EVIDENCE_HEADERS }, 'response.headers': { keep: EVIDENCE_HEADERS } },
};
