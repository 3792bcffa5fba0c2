import { z } from 'zod';
import { durationMs, tokenCount, usdAmount } from './bounds.ts';

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
