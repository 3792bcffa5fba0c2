import { LITELLM_SPEND_LOG_RAW, liteLlmSpendLogSchema, type LiteLlmSpendLog } from '../../../schemas/events/litellm.ts';
import type { DecodeContext, FormatDecoder } from '../types.ts';
import type { GatewayRequestRow } from '../../normalize/rows.ts';
import { eventTime, toMillis } from '../../normalize/time.ts';
import { normalizeEmail, text } from '../../normalize/identity.ts';
import { toCount, toNumber } from '../../normalize/numbers.ts';
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

/** LiteLLM `LiteLLM_SpendLogs` row (formats.md §1b), e.g. from `/spend/logs` or a Postgres CDC feed. */
export const LITELLM_SPEND_LOG_FORMAT = 'litellm.spend_log';

/**
 * Postgres prints timestamptz as `2026-08-19 14:03:11.512+00`; the hour-only offset is not ISO
 * 8601 and Date.parse rejects it, so it is widened to `+00:00` first.
 */
export function postgresTime(value: string): string {
  return value.trim().replace(/([+-]\d\d)$/, '$1:00');
}

function toRow(rec: LiteLlmSpendLog, raw: string, ctx: DecodeContext): GatewayRequestRow {
  const start = postgresTime(rec.startTime);
  const event_time = eventTime(start, ctx.maxEventTime);
  const meta = rec.metadata ?? {};
  // Not part of SpendLogsMetadata today, but some builds and custom loggers copy them in.
  const headers = meta.requester_custom_headers;
  const user = text(rec.user) || text(meta.user_api_key_user_id);
  const duration =
    rec.request_duration_ms ?? elapsedMs(toMillis(start), rec.endTime ? postgresTime(rec.endTime) : undefined);

  return {
    event_time,
    format: LITELLM_SPEND_LOG_FORMAT,
    gateway: 'litellm',
    request_id: rec.request_id,
    // SpendLogs.session_id is a fresh uuid when the client sent none (§1c), so the agent's own
    // header, when logged, is the better join key (N6).
    session_id: sessionIdOf(headers, text(rec.session_id)),
    client_request_id: header(headers, CLIENT_REQUEST_HEADER),
    api_key_id: text(rec.api_key) || text(meta.user_api_key_hash),
    api_key_alias: text(meta.user_api_key_alias),
    user_id: user,
    user_email:
      normalizeEmail(meta.user_api_key_user_email) || normalizeEmail(rec.user) || normalizeEmail(meta.user_api_key_user_id),
    end_user: endUserOf(rec.end_user),
    team_id: text(rec.team_id) || text(meta.user_api_key_team_id) || text(meta.team_id),
    org_id: text(rec.organization_id) || text(meta.user_api_key_org_id),
    provider: text(rec.custom_llm_provider),
    model_requested: canonicalModel(rec.model_group),
    model_served: canonicalModel(rec.model),
    upstream: text(rec.api_base),
    route: text(meta.user_api_key_request_route),
    call_type: text(rec.call_type),
    tags: uniqueNonEmpty((rec.request_tags ?? []).map((t) => t.trim())),
    user_agent: text(meta.user_agent) || header(headers, 'user-agent'),
    client_ip: text(rec.requester_ip_address) || text(meta.requester_ip_address),
    status: (text(rec.status) || text(meta.status)).toLowerCase(),
    cost_usd: toNumber(rec.spend),
    duration_ms: toCount(duration),
    ...liteLlmTokens(rec.prompt_tokens, rec.completion_tokens, [meta.additional_usage_values, meta.usage_object]),
    ...contentColumns(rec.messages, rec.response, ctx.storePromptText),
    ...liteLlmMcpColumns(rec.mcp_namespaced_tool_name, meta.mcp_tool_call_metadata),
    raw,
  };
}

export const liteLlmSpendLogDecoder: FormatDecoder = gatewayDecoder({
  format: LITELLM_SPEND_LOG_FORMAT,
  schema: liteLlmSpendLogSchema,
  // startTime is left to the schema so that a row without it is a schema violation with a path,
  // not an unknown format.
  matches: (doc) => isRecord(doc) && typeof doc['request_id'] === 'string' && 'api_key' in doc,
  timeField: 'startTime',
  rawFields: compileRawFields(LITELLM_SPEND_LOG_RAW),
  build: toRow,
});
