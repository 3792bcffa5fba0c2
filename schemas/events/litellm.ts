import { z } from 'zod';
import { durationMs, tokenCount, usdAmount } from './bounds.ts';
import { EVIDENCE_HEADERS, under, type RawFields } from './raw-fields.ts';

/**
 * LiteLLM proxy records (formats.md §1): the `LiteLLM_SpendLogs` Postgres row (§1b) and the
 * `StandardLoggingPayload` every logging callback receives (§1a). Loose objects: LiteLLM adds
 * fields in most releases. Only the fields driftwatch maps are validated; almost all are nullish
 * because the Python TypedDicts are Optional and older builds omit newer keys.
 */

const count = tokenCount;
const optionalCount = count.nullish();
const optionalText = z.string().nullish();
// USD floats; not non-negative, because LiteLLM applies discounts and margins in cost_breakdown.
const optionalUsd = usdAmount.nullish();

/**
 * Postgres Json columns reach us either as JSON or, from CDC/JDBC exports, as their JSON text.
 * Text that does not parse is left as is so that the object schema reports it.
 */
function jsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** LiteLLM `Usage` (OpenAI shape plus Anthropic cache fields), as logged in several places. */
export const liteLlmUsageSchema = z.looseObject({
  prompt_tokens: optionalCount,
  completion_tokens: optionalCount,
  cache_read_input_tokens: optionalCount,
  cache_creation_input_tokens: optionalCount,
  prompt_tokens_details: z
    .looseObject({
      cached_tokens: optionalCount,
      // Newer builds mirror the Anthropic cache write here as well.
      cache_creation_tokens: optionalCount,
    })
    .nullish(),
});
export type LiteLlmUsage = z.infer<typeof liteLlmUsageSchema>;

/** `StandardLoggingMCPToolCall`; `arguments`/`result` are content and are never mapped. */
export const liteLlmMcpToolCallSchema = z.looseObject({
  name: optionalText,
  mcp_server_name: optionalText,
  namespaced_tool_name: optionalText,
});

const headerMap = z.record(z.string(), z.unknown());

/** Keys shared by `StandardLoggingMetadata` and the SpendLogs `metadata` column. */
const keyMetadataShape = {
  user_api_key_hash: optionalText,
  // SpendLogs only; holds the same hash (sometimes abbreviated for display).
  user_api_key: optionalText,
  user_api_key_alias: optionalText,
  user_api_key_user_id: optionalText,
  user_api_key_user_email: optionalText,
  user_api_key_team_id: optionalText,
  user_api_key_team_alias: optionalText,
  user_api_key_org_id: optionalText,
  user_api_key_project_id: optionalText,
  user_api_key_request_route: optionalText,
  user_api_key_end_user_id: optionalText,
  team_id: optionalText,
  requester_ip_address: optionalText,
  user_agent: optionalText,
  status: optionalText,
  requester_custom_headers: headerMap.nullish(),
  usage_object: liteLlmUsageSchema.nullish(),
  mcp_tool_call_metadata: liteLlmMcpToolCallSchema.nullish(),
};

export const liteLlmSpendLogMetadataSchema = z.looseObject({
  ...keyMetadataShape,
  // The cache breakdown that prompt_tokens hides (N1).
  additional_usage_values: liteLlmUsageSchema.nullish(),
});

/** One `LiteLLM_SpendLogs` row as served by `/spend/logs` (Prisma model, §1b). */
export const liteLlmSpendLogSchema = z.looseObject({
  request_id: z.string().min(1),
  call_type: optionalText,
  // Hash of the virtual key; non-null in Prisma (default '').
  api_key: z.string(),
  spend: optionalUsd,
  prompt_tokens: optionalCount,
  completion_tokens: optionalCount,
  total_tokens: optionalCount,
  // timestamptz: ISO text, possibly without a zone (UTC) or with a Postgres `+00` offset.
  startTime: z.string().min(1),
  endTime: optionalText,
  completionStartTime: optionalText,
  request_duration_ms: durationMs.nullish(),
  model: optionalText,
  model_id: optionalText,
  model_group: optionalText,
  custom_llm_provider: optionalText,
  api_base: optionalText,
  user: optionalText,
  team_id: optionalText,
  organization_id: optionalText,
  end_user: optionalText,
  agent_id: optionalText,
  session_id: optionalText,
  request_tags: z.preprocess(jsonText, z.array(z.string()).nullish()),
  requester_ip_address: optionalText,
  status: optionalText,
  metadata: z.preprocess(jsonText, liteLlmSpendLogMetadataSchema.nullish()),
  // `"{}"` unless store_prompts_in_spend_logs (N4); any JSON otherwise.
  messages: z.unknown().optional(),
  response: z.unknown().optional(),
  mcp_namespaced_tool_name: optionalText,
});
export type LiteLlmSpendLog = z.infer<typeof liteLlmSpendLogSchema>;

export const liteLlmPayloadMetadataSchema = z.looseObject(keyMetadataShape);

/** `StandardLoggingPayload` (litellm/types/utils.py, §1a). */
export const liteLlmPayloadSchema = z.looseObject({
  id: z.string().min(1),
  trace_id: optionalText,
  litellm_call_id: optionalText,
  call_type: z.string(),
  status: optionalText,
  custom_llm_provider: optionalText,
  model: optionalText,
  model_group: optionalText,
  model_id: optionalText,
  api_base: optionalText,
  prompt_tokens: optionalCount,
  completion_tokens: optionalCount,
  total_tokens: optionalCount,
  response_cost: optionalUsd,
  cost_breakdown: z.looseObject({ total_cost: optionalUsd }).nullish(),
  // Unix epoch seconds as floats (N3); LiteLLM's Pub/Sub and GCS loggers write naive UTC datetime
  // text instead (`"2025-01-24 09:20:46.847371"`, formats.md "Real variants"), like SpendLogs.
  startTime: z.union([z.number(), z.string().min(1)]),
  endTime: z.union([z.number(), z.string()]).nullish(),
  completionStartTime: z.union([z.number(), z.string()]).nullish(),
  // Those loggers also serialise tags and metadata as JSON text.
  request_tags: z.preprocess(jsonText, z.array(z.string()).nullish()),
  end_user: optionalText,
  requester_ip_address: optionalText,
  user_agent: optionalText,
  messages: z.unknown().optional(),
  response: z.unknown().optional(),
  hidden_params: z
    .looseObject({
      api_base: optionalText,
      litellm_model_name: optionalText,
      response_cost: optionalUsd,
      usage_object: liteLlmUsageSchema.nullish(),
    })
    .nullish(),
  metadata: z.preprocess(jsonText, liteLlmPayloadMetadataSchema.nullish()),
});
export type LiteLlmPayload = z.infer<typeof liteLlmPayloadSchema>;

/** Token counts as LiteLLM logs them in its usage objects (OpenAI shape plus Anthropic cache fields). */
const USAGE_FIELDS = [
  'prompt_tokens', 'completion_tokens', 'total_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens',
  'prompt_tokens_details.cached_tokens', 'prompt_tokens_details.cache_creation_tokens', 'prompt_tokens_details.audio_tokens',
  'completion_tokens_details.reasoning_tokens', 'completion_tokens_details.audio_tokens',
];
const COST_FIELDS = [
  'input_cost', 'output_cost', 'cache_read_cost', 'cache_creation_cost', 'reasoning_cost', 'total_cost', 'tool_usage_cost',
  'original_cost', 'discount_percent', 'discount_amount', 'margin_percent', 'margin_fixed_amount', 'margin_total_amount',
];
/** StandardLoggingUserAPIKeyMetadata and SpendLogsMetadata: key, owner, team, budget state. */
const KEY_METADATA_FIELDS = [
  'user_api_key', 'user_api_key_hash', 'user_api_key_alias', 'user_api_key_user_id', 'user_api_key_user_email',
  'user_api_key_team_id', 'user_api_key_team_alias', 'user_api_key_org_id', 'user_api_key_org_alias', 'user_api_key_project_id',
  'user_api_key_project_alias', 'user_api_key_end_user_id', 'user_api_key_request_route', 'user_api_key_spend',
  'user_api_key_max_budget', 'user_api_key_team_spend', 'user_api_key_team_max_budget', 'user_api_key_user_spend',
  'user_api_key_budget_reset_at', 'team_id', 'team_alias', 'requester_ip_address', 'user_agent', 'status', 'batch_models',
  'litellm_overhead_time_ms', 'applied_guardrails', 'model_map_information.model_map_key', 'cold_storage_object_key',
  'error_information.error_code', 'error_information.error_class', 'error_information.llm_provider',
  'mcp_tool_call_metadata.name', 'mcp_tool_call_metadata.mcp_server_name', 'mcp_tool_call_metadata.namespaced_tool_name',
  ...under('additional_usage_values', USAGE_FIELDS), ...under('usage_object', USAGE_FIELDS), ...under('cost_breakdown', COST_FIELDS),
];
/** Prompt, completion and the MCP call's arguments and result (N4): stored only with storePromptText. */
const LITELLM_CONTENT = [
  'messages', 'response', 'proxy_server_request', 'metadata.mcp_tool_call_metadata.arguments', 'metadata.mcp_tool_call_metadata.result',
];
const LITELLM_HEADERS = { 'metadata.requester_custom_headers': { keep: EVIDENCE_HEADERS } };

/** What `raw` keeps of a SpendLogs row (§1b). */
export const LITELLM_SPEND_LOG_RAW: RawFields = {
  keep: [
    'request_id', 'call_type', 'api_key', 'spend', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'startTime', 'endTime',
    'completionStartTime', 'request_duration_ms', 'model', 'model_id', 'model_group', 'custom_llm_provider', 'api_base', 'user',
    'team_id', 'organization_id', 'end_user', 'agent_id', 'session_id', 'request_tags', 'requester_ip_address', 'cache_hit',
    'cache_key', 'status', 'mcp_namespaced_tool_name', ...under('metadata', KEY_METADATA_FIELDS),
  ],
  content: LITELLM_CONTENT,
  names: LITELLM_HEADERS,
};

/** What `raw` keeps of a StandardLoggingPayload (§1a). */
export const LITELLM_PAYLOAD_RAW: RawFields = {
  keep: [
    'id', 'trace_id', 'litellm_call_id', 'call_id', 'call_type', 'stream', 'status', 'status_fields.llm_api_status',
    'status_fields.guardrail_status', 'custom_llm_provider', 'model', 'model_group', 'model_id', 'api_base', 'prompt_tokens',
    'completion_tokens', 'total_tokens', 'response_cost', 'saved_cache_cost', 'startTime', 'endTime', 'completionStartTime',
    'response_time', 'cache_hit', 'cache_key', 'request_tags', 'end_user', 'requester_ip_address', 'user_agent',
    'error_information.error_code', 'error_information.error_class', 'error_information.llm_provider',
    'model_map_information.model_map_key', ...under('cost_breakdown', COST_FIELDS),
    'hidden_params.model_id', 'hidden_params.api_base', 'hidden_params.response_cost', 'hidden_params.litellm_overhead_time_ms',
    'hidden_params.litellm_model_name', ...under('hidden_params.usage_object', USAGE_FIELDS),
    ...under('metadata', KEY_METADATA_FIELDS),
  ],
  content: LITELLM_CONTENT,
  names: { ...LITELLM_HEADERS, 'hidden_params.additional_headers': { keep: ['x_ratelimit_*', 'x-ratelimit-*', 'llm_provider-x-ratelimit-*'] } },
};
