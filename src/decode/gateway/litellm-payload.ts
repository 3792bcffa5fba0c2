import { LITELLM_PAYLOAD_RAW, liteLlmPayloadSchema, type LiteLlmPayload } from '../../../schemas/events/litellm.ts';
import type { DecodeContext, FormatDecoder } from '../types.ts';
import type { GatewayRequestRow } from '../../normalize/rows.ts';
import { eventTime, toMillis } from '../../normalize/time.ts';
import { normalizeEmail, text } from '../../normalize/identity.ts';
import { toNumber } from '../../normalize/numbers.ts';
import { canonicalModel } from '../../normalize/model.ts';
import { isRecord } from '../shape.ts';
import {
  CLIENT_REQUEST_HEADER,
  contentColumns,
  elapsedMs,
  endUserOf,
  gatewayDecoder,
  header,
  liteLlmMcpColumns,
  liteLlmTokens,
  sessionIdOf,
  uniqueNonEmpty,
} from './common.ts';
import { compileRawFields } from '../../normalize/raw-fields.ts';

/**
 * LiteLLM `StandardLoggingPayload` (formats.md §1a): what the Datadog/S3/GCS/OTEL/generic-HTTP
 * callbacks emit, one object per request.
 */
export const LITELLM_PAYLOAD_FORMAT = 'litellm.payload';

function toRow(rec: LiteLlmPayload, raw: string, ctx: DecodeContext): GatewayRequestRow {
  // Epoch seconds as floats (N3); eventTime decides the unit by magnitude, so a logger that
  // converted to milliseconds still lands on the right instant. Naive datetime text (Pub/Sub and
  // GCS loggers) is read as UTC.
  const event_time = eventTime(rec.startTime, ctx.maxEventTime);
  const meta = rec.metadata ?? {};
  const hidden = rec.hidden_params ?? {};
  const headers = meta.requester_custom_headers;
  const userId = text(meta.user_api_key_user_id);

  return {
    event_time,
    format: LITELLM_PAYLOAD_FORMAT,
    gateway: 'litellm',
    request_id: rec.id,
    // trace_id is a random uuid on builds without the generic session-header rule (§1c), so the
    // agent's header, when the client sent it, is the better join key (N6).
    session_id: sessionIdOf(headers, text(rec.trace_id)),
    client_request_id: header(headers, CLIENT_REQUEST_HEADER),
    api_key_id: text(meta.user_api_key_hash),
    api_key_alias: text(meta.user_api_key_alias),
    user_id: userId,
    user_email: normalizeEmail(meta.user_api_key_user_email) || normalizeEmail(userId),
    end_user: endUserOf(rec.end_user, meta.user_api_key_end_user_id),
    team_id: text(meta.user_api_key_team_id) || text(meta.team_id),
    org_id: text(meta.user_api_key_org_id),
    provider: text(rec.custom_llm_provider),
    model_requested: canonicalModel(rec.model_group),
    model_served: canonicalModel(text(rec.model) || text(hidden.litellm_model_name)),
    upstream: text(rec.api_base) || text(hidden.api_base),
    route: text(meta.user_api_key_request_route),
    call_type: rec.call_type.trim(),
    tags: uniqueNonEmpty((rec.request_tags ?? []).map((t) => t.trim())),
    user_agent: text(rec.user_agent) || text(meta.user_agent) || header(headers, 'user-agent'),
    client_ip: text(rec.requester_ip_address) || text(meta.requester_ip_address),
    status: (text(rec.status) || text(meta.status)).toLowerCase(),
    cost_usd: toNumber(rec.response_cost ?? rec.cost_breakdown?.total_cost ?? hidden.response_cost),
    duration_ms: elapsedMs(toMillis(rec.startTime), rec.endTime),
    ...liteLlmTokens(rec.prompt_tokens, rec.completion_tokens, [hidden.usage_object, meta.usage_object]),
    ...contentColumns(rec.messages, rec.response, ctx.storePromptText),
    ...liteLlmMcpColumns(undefined, meta.mcp_tool_call_metadata),
    raw,
  };
}

export const liteLlmPayloadDecoder: FormatDecoder = gatewayDecoder({
  format: LITELLM_PAYLOAD_FORMAT,
  schema: liteLlmPayloadSchema,
  // startTime is left to the schema so that a payload without it is a schema violation with a
  // path, not an unknown format; `request_id` would make it a SpendLogs row.
  matches: (doc) =>
    isRecord(doc) &&
    typeof doc['id'] === 'string' &&
    typeof doc['call_type'] === 'string' &&
    ('trace_id' in doc || 'metadata' in doc) &&
    !('request_id' in doc),
  timeField: 'startTime',
  rawFields: compileRawFields(LITELLM_PAYLOAD_RAW),
  build: toRow,
});
