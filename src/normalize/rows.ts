/**
 * The normalised rows driftwatch stores, one interface per ClickHouse table in schemas/clickhouse/.
 * Field names are the column names (snake_case) because these objects ARE the insert payload:
 * mapping 50k rows/s to a second shape would cost time for nothing. Everything else in the code
 * base is camelCase.
 *
 * Conventions shared by every decoder (formats.md, "Cross-source notes"):
 * - timestamps are UTC strings `YYYY-MM-DD hh:mm:ss.sss` (see toClickHouseTime);
 * - tokens are split into {uncached input, cache read, cache write, output};
 * - money is USD;
 * - e-mails are lower-cased; unknown strings are '' (never null), unknown numbers 0.
 */

import type { ClientAuthKind } from '../../schemas/policy/workload-identity.ts';

/** Where a record came from; filled by the pipeline, not by decoders. */
export interface SourceCoordinates {
  source_topic: string;
  source_partition: number;
  source_offset: string;
  record_index: number;
}

/** Token counts in the four canonical kinds. */
export interface TokenCounts {
  uncached_input_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
}

/** Presence, size and hash of a prompt or response; the text only when configured. */
export interface ContentFingerprint {
  logged: boolean;
  bytes: number;
  sha256: string;
  text: string;
}

export interface GatewayRequestRow extends TokenCounts {
  event_time: string;
  format: string;
  gateway: 'litellm' | 'kong';
  request_id: string;
  session_id: string;
  client_request_id: string;
  api_key_id: string;
  api_key_alias: string;
  user_id: string;
  user_email: string;
  /** The downstream person a service called on behalf of (LiteLLM `end_user`); '' when none. */
  end_user: string;
  team_id: string;
  org_id: string;
  provider: string;
  model_requested: string;
  model_served: string;
  upstream: string;
  route: string;
  call_type: string;
  tags: string[];
  user_agent: string;
  client_ip: string;
  status: string;
  cost_usd: number;
  duration_ms: number;
  prompt_logged: 0 | 1;
  response_logged: 0 | 1;
  prompt_bytes: number;
  prompt_sha256: string;
  response_bytes: number;
  response_sha256: string;
  prompt_text: string;
  response_text: string;
  tool_names: string[];
  mcp_servers: string[];
  raw: string;
}

export interface ProviderUsageRow extends TokenCounts {
  event_time: string;
  bucket_end: string;
  format: string;
  provider: 'openai' | 'anthropic' | 'bedrock';
  /**
   * What the row counts: 'usage' (completions / messages), 'cost', 'invocation' (Bedrock), the
   * OpenAI usage family of a non-completions page ('embeddings', 'images', …), or 'claude_code'
   * (Anthropic's Claude Code analytics, one row per person, day and model).
   */
  kind: ProviderUsageKind;
  api_key_id: string;
  workspace_id: string;
  account_id: string;
  user_email: string;
  principal: string;
  team_id: string;
  session_id: string;
  request_id: string;
  model: string;
  service_tier: string;
  line_item: string;
  request_count: number;
  cost_usd: number;
  /** Figures beside tokens and cost (Claude Code analytics: sessions, lines, commits, …); {} otherwise. */
  metrics: Record<string, number>;
  prompt_logged: 0 | 1;
  /**
   * The bucket without its figures (src/normalize/bucket-key.ts): a later export of the same key
   * replaces this one (0029_billing_restatements.sql). '' for a Bedrock invocation.
   */
  bucket_key: string;
  raw: string;
}

export const OPENAI_USAGE_FAMILIES = [
  'embeddings', 'moderations', 'images', 'audio_speeches', 'audio_transcriptions', 'vector_stores',
  'code_interpreter_sessions',
] as const;
export type OpenAiUsageFamily = (typeof OPENAI_USAGE_FAMILIES)[number];
export type ProviderUsageKind = 'usage' | 'cost' | 'invocation' | 'claude_code' | OpenAiUsageFamily;

export interface IdpEventRow {
  event_time: string;
  format: string;
  idp: 'okta' | 'entra';
  event_id: string;
  event_type: string;
  actor_id: string;
  actor_email: string;
  actor_type: string;
  actor_name: string;
  target_user_id: string;
  target_user_email: string;
  app_id: string;
  app_name: string;
  outcome: string;
  outcome_reason: string;
  session_id: string;
  client_ip: string;
  user_agent: string;
  grant_type: string;
  scopes: string[];
  /** How a workload authenticated (normalize/client-auth.ts); '' when the record does not say. */
  client_auth: ClientAuth;
  raw: string;
}

/** idp_events.client_auth: a word of CLIENT_AUTH_KINDS (schemas/policy/workload-identity.ts), or '' when unknown. */
export type ClientAuth = ClientAuthKind | '';

/**
 * One provider API key as the provider's key list shows it (OpenAI project API keys, Anthropic Admin
 * API keys). `key_hint` is the provider's redacted form or a fingerprint, never the key.
 */
export interface ProviderKeyRow {
  /** When the key was created. */
  event_time: string;
  format: string;
  provider: 'openai' | 'anthropic';
  key_id: string;
  key_name: string;
  key_hint: string;
  /** Anthropic workspace (`wrkspc_…`, '' = default workspace) or OpenAI project (`proj_…`). */
  workspace_id: string;
  /** 'user' | 'service_account' (OpenAI owner.type, Anthropic created_by.type); '' when unknown. */
  owner_type: string;
  owner_id: string;
  owner_email: string;
  created_by_id: string;
  /** 'active' | 'inactive' | 'archived' | 'expired'; OpenAI lists only live keys, so 'active'. */
  status: string;
  /** 1970-01-01 when never used or not reported. */
  last_used_at: string;
  /** 1970-01-01 when the key does not expire. */
  expires_at: string;
  raw: string;
}

export interface AgentEventRow extends TokenCounts {
  event_time: string;
  format: string;
  event_name: string;
  session_id: string;
  prompt_id: string;
  event_sequence: number;
  user_id: string;
  user_email: string;
  account_id: string;
  account_uuid: string;
  organization_id: string;
  team_id: string;
  service_name: string;
  service_version: string;
  terminal_type: string;
  model: string;
  request_id: string;
  client_request_id: string;
  cost_usd: number;
  duration_ms: number;
  tool_name: string;
  mcp_server: string;
  tool_source: string;
  decision: string;
  success: string;
  /** Labels derived at ingest from tool parameters (normalize/tool-labels.ts); never the parameters. */
  secret_labels: string[];
  repositories: string[];
  hosts: string[];
  mcp_tool: string;
  /** tool_decision `source` / tool_result `decision_source`. */
  decision_source: string;
  /** permission_mode_changed `to_mode`. */
  permission_mode: string;
  prompt_logged: 0 | 1;
  prompt_bytes: number;
  prompt_sha256: string;
  prompt_text: string;
  attributes: Record<string, string>;
  raw: string;
}

export type RejectReason =
  | 'invalid_json'
  | 'unknown_format'
  | 'schema_violation'
  | 'oversized'
  | 'invalid_utf8'
  | 'empty_message'
  /** A number outside its column's type or the field's plausible domain; the detail names the field. */
  | 'out_of_range'
  /** JSON nested deeper than the decoders walk (src/decode/depth.ts). */
  | 'too_deep'
  /** The decoder threw on this record: a bug, kept as a reject so the partition goes on. */
  | 'decode_error'
  /** ClickHouse refused the row's data on insert (the engine's message is the detail). */
  | 'insert_refused';

export interface IngestRejectRow {
  source: string;
  topic: string;
  partition: number;
  offset: string;
  record_index: number;
  reason: RejectReason;
  format: string;
  detail: string;
  raw_encoding: 'utf8' | 'base64';
  raw_bytes: number;
  raw: string;
}

/** Table name → row type; the sink and the decoders agree through this map. */
export interface TableRows {
  gateway_requests: GatewayRequestRow;
  provider_usage: ProviderUsageRow;
  idp_events: IdpEventRow;
  agent_events: AgentEventRow;
  provider_keys: ProviderKeyRow;
}
export type DataTable = keyof TableRows;
export const DATA_TABLES: readonly DataTable[] = [
  'gateway_requests',
  'provider_usage',
  'idp_events',
  'agent_events',
  'provider_keys',
];
