import type { DataTable } from './rows.ts';

/**
 * The insert column list of each table, in DDL order, without the columns the server fills
 * (ingested_at / rejected_at DEFAULT now64). Rows are encoded against these lists (store/tsv.ts),
 * so every decoder must fill every field; test/integration/schema.int.test.ts checks these lists
 * against the live tables.
 */
export const TABLE_COLUMNS: Readonly<Record<DataTable | 'ingest_rejects', readonly string[]>> = {
  gateway_requests: [
    'event_time', 'format', 'gateway', 'request_id', 'session_id', 'client_request_id', 'api_key_id',
    'api_key_alias', 'user_id', 'user_email', 'end_user', 'team_id', 'org_id', 'provider', 'model_requested',
    'model_served', 'upstream', 'route', 'call_type', 'tags', 'user_agent', 'client_ip', 'status',
    'uncached_input_tokens', 'cache_read_tokens', 'cache_write_tokens', 'output_tokens', 'cost_usd',
    'duration_ms', 'prompt_logged', 'response_logged', 'prompt_bytes', 'prompt_sha256', 'response_bytes',
    'response_sha256', 'prompt_text', 'response_text', 'tool_names', 'mcp_servers', 'source_topic',
    'source_partition', 'source_offset', 'record_index', 'natural_key', 'raw',
  ],
  provider_usage: [
    'event_time', 'bucket_end', 'format', 'provider', 'kind', 'api_key_id', 'workspace_id', 'account_id',
    'user_email', 'principal', 'team_id', 'session_id', 'request_id', 'model', 'service_tier', 'line_item',
    'uncached_input_tokens', 'cache_read_tokens', 'cache_write_tokens', 'output_tokens', 'request_count',
    'cost_usd', 'metrics', 'prompt_logged', 'source_topic', 'source_partition', 'source_offset', 'record_index',
    'natural_key', 'bucket_key', 'raw',
  ],
  idp_events: [
    'event_time', 'format', 'idp', 'event_id', 'event_type', 'actor_id', 'actor_email', 'actor_type',
    'actor_name', 'target_user_id', 'target_user_email', 'app_id', 'app_name', 'outcome', 'outcome_reason',
    'session_id', 'client_ip', 'user_agent', 'grant_type', 'scopes', 'client_auth', 'source_topic', 'source_partition',
    'source_offset', 'record_index', 'natural_key', 'raw',
  ],
  agent_events: [
    'event_time', 'format', 'event_name', 'session_id', 'prompt_id', 'event_sequence', 'user_id',
    'user_email', 'account_id', 'account_uuid', 'organization_id', 'team_id', 'service_name',
    'service_version', 'terminal_type', 'model', 'request_id', 'client_request_id', 'uncached_input_tokens',
    'cache_read_tokens', 'cache_write_tokens', 'output_tokens', 'cost_usd', 'duration_ms', 'tool_name',
    'mcp_server', 'tool_source', 'decision', 'success', 'secret_labels', 'repositories', 'hosts', 'mcp_tool',
    'decision_source', 'permission_mode', 'prompt_logged', 'prompt_bytes', 'prompt_sha256',
    'prompt_text', 'attributes', 'source_topic', 'source_partition', 'source_offset', 'record_index', 'natural_key', 'raw',
  ],
  provider_keys: [
    'event_time', 'format', 'provider', 'key_id', 'key_name', 'key_hint', 'workspace_id', 'owner_type', 'owner_id',
    'owner_email', 'created_by_id', 'status', 'last_used_at', 'expires_at', 'source_topic', 'source_partition',
    'source_offset', 'record_index', 'raw',
  ],
  ingest_rejects: [
    'source', 'topic', 'partition', 'offset', 'record_index', 'reason', 'format', 'detail', 'raw_encoding',
    'raw_bytes', 'raw',
  ],
};
