/**
 * The like-for-like reference of `npm run bench`: ClickHouse's own Kafka table engine reading the
 * LiteLLM topic, with a materialized view that parses each message into the same
 * `gateway_requests` columns driftwatch's decoders fill (schemas/clickhouse/0001 and later,
 * migrated as in production), so the roll-up views fill too, and the raw message is kept beside
 * the row. Both LiteLLM formats (SpendLogs rows and StandardLoggingPayload) are parsed the way
 * src/decode/gateway/litellm-*.ts do: the same fallbacks between fields, tokens split by the cache
 * counts (N1), model ids canonicalised (N5), prompt/response as presence + size + SHA-256 (N4).
 *
 * One JSON parse per message for all the fields (JSONExtract into a named Tuple) and one each for
 * the prompt and response text to hash: the cheapest way the engine offers, so the reference is
 * what a careful SQL-only pipeline would cost. What it does not do, and driftwatch does: schema
 * validation with a reject per bad record, the raw record's allowlist redaction, credential
 * fingerprinting, the exactly-once ledger.
 */

const USAGE = 'Tuple(cache_read_input_tokens Nullable(UInt64), cache_creation_input_tokens Nullable(UInt64), prompt_tokens Nullable(UInt64), completion_tokens Nullable(UInt64))';
const HEADERS = 'Tuple(`x-claude-code-session-id` String, `x-client-request-id` String, `user-agent` String)';
const META = `Tuple(user_api_key_alias String, user_api_key_team_id String, user_api_key_user_id String, user_api_key_user_email String,
  user_api_key_org_id String, user_api_key_hash String, user_api_key_request_route String, user_agent String, requester_ip_address String,
  status String, team_id String, user_api_key_end_user_id String, requester_custom_headers ${HEADERS},
  additional_usage_values ${USAGE}, usage_object ${USAGE},
  mcp_tool_call_metadata Tuple(mcp_server_name String, name String, namespaced_tool_name String))`;
const RECORD = `Tuple(request_id String, id String, trace_id String, session_id String, call_type String, api_key String,
  spend Nullable(Float64), response_cost Nullable(Float64), cost_breakdown Tuple(total_cost Nullable(Float64)),
  prompt_tokens Nullable(UInt64), completion_tokens Nullable(UInt64), startTime Variant(Float64, String), endTime Variant(Float64, String),
  request_duration_ms Nullable(UInt64), model String, model_group String, custom_llm_provider String, api_base String,
  user String, user_agent String, team_id String, organization_id String, end_user String, request_tags Array(String),
  requester_ip_address String, status String, mcp_namespaced_tool_name String, metadata ${META},
  hidden_params Tuple(litellm_model_name String, api_base String, response_cost Nullable(Float64), usage_object ${USAGE}))`;

/** `[server, tool]` of a namespaced MCP tool name (`server/tool`, `server__tool`, `mcp__` first), as splitNamespacedTool. */
const splitTool = (expr: string) => `multiIf(match(${expr}, '^[^/]+/.'), [extract(${expr}, '^([^/]+)/'), replaceRegexpOne(${expr}, '^[^/]+/', '')],
    match(${expr}, '^.+?__.'), [extract(${expr}, '^(.+?)__'), replaceRegexpOne(${expr}, '^.+?__', '')], ['', ${expr}])`;

/** The view's SELECT: one row of `gateway_requests` per LiteLLM message read by `kafka_in` (column `raw`). */
export const GATEWAY_VIEW_SELECT = `
WITH
  JSONExtract(raw, '${RECORD}') AS r,
  r.metadata AS meta,
  meta.requester_custom_headers AS headers,
  r.request_id != '' AS spend_log,
  coalesce(parseDateTime64BestEffortOrNull(variantElement(r.startTime, 'String'), 3, 'UTC'), toDateTime64(variantElement(r.startTime, 'Float64'), 3, 'UTC')) AS started,
  coalesce(parseDateTime64BestEffortOrNull(variantElement(r.endTime, 'String'), 3, 'UTC'), toDateTime64(variantElement(r.endTime, 'Float64'), 3, 'UTC')) AS ended,
  if(spend_log, [meta.additional_usage_values, meta.usage_object], [r.hidden_params.usage_object, meta.usage_object]) AS usages,
  coalesce(usages[1].cache_read_input_tokens, usages[2].cache_read_input_tokens, 0) AS cache_read,
  coalesce(usages[1].cache_creation_input_tokens, usages[2].cache_creation_input_tokens, 0) AS cache_write,
  coalesce(r.prompt_tokens, usages[1].prompt_tokens, usages[2].prompt_tokens, 0) AS prompt,
  JSONExtractRaw(raw, 'messages') AS prompt_json,
  JSONExtractRaw(raw, 'response') AS response_json,
  -- The text hashed is what src/normalize/content.ts hashes: a string's value, anything else as JSON.
  if(startsWith(prompt_json, '"'), JSONExtractString(prompt_json), prompt_json) AS prompt_value,
  if(startsWith(response_json, '"'), JSONExtractString(response_json), response_json) AS response_value,
  trimBoth(prompt_value) NOT IN ('', '{}', '[]', 'null', '<REDACTED>', 'REDACTED') AS prompt_is_logged,
  trimBoth(response_value) NOT IN ('', '{}', '[]', 'null', '<REDACTED>', 'REDACTED') AS response_is_logged,
  meta.mcp_tool_call_metadata AS mcp,
  ${splitTool("if(startsWith(r.mcp_namespaced_tool_name, 'mcp__'), substring(r.mcp_namespaced_tool_name, 6), r.mcp_namespaced_tool_name)")} AS column_tool,
  ${splitTool("if(startsWith(mcp.namespaced_tool_name, 'mcp__'), substring(mcp.namespaced_tool_name, 6), mcp.namespaced_tool_name)")} AS meta_tool,
  multiIf(mcp.mcp_server_name = '', mcp.name, startsWith(mcp.name, concat(mcp.mcp_server_name, '/')), substring(mcp.name, length(mcp.mcp_server_name) + 2),
    startsWith(mcp.name, concat(mcp.mcp_server_name, '__')), substring(mcp.name, length(mcp.mcp_server_name) + 3), mcp.name) AS meta_tool_name,
  lower(trim(if(spend_log, r.model, if(r.model != '', r.model, r.hidden_params.litellm_model_name)))) AS served0,
  lower(trim(r.model_group)) AS requested0,
  -- formats.md N5, as src/normalize/model.ts: no routing prefix, no region, no version after a dated Bedrock id.
  replaceRegexpOne(replaceRegexpOne(served0, '^(bedrock|anthropic|openai|azure|vertex_ai|vertex|litellm_proxy)/', ''), '^(us|eu|apac|global|jp|au)\\\\.', '') AS served1,
  replaceRegexpOne(replaceRegexpOne(requested0, '^(bedrock|anthropic|openai|azure|vertex_ai|vertex|litellm_proxy)/', ''), '^(us|eu|apac|global|jp|au)\\\\.', '') AS requested1,
  '^(anthropic|meta|amazon|mistral|cohere|ai21|openai|deepseek)\\\\.' AS vendor,
  if(spend_log, r.user, '') AS spend_user
SELECT
  started AS event_time,
  if(spend_log, 'litellm.spend_log', 'litellm.payload') AS format,
  'litellm' AS gateway,
  if(spend_log, r.request_id, r.id) AS request_id,
  -- The natural key, as src/normalize/natural-key.ts forms it (driftwatch also looks it up before inserting; this reference does not).
  if(request_id = '', '', concat('litellm/', request_id)) AS natural_key,
  multiIf(headers.\`x-claude-code-session-id\` != '', headers.\`x-claude-code-session-id\`, spend_log, r.session_id, r.trace_id) AS session_id,
  headers.\`x-client-request-id\` AS client_request_id,
  if(spend_log AND r.api_key != '', r.api_key, meta.user_api_key_hash) AS api_key_id,
  meta.user_api_key_alias AS api_key_alias,
  if(spend_user != '', spend_user, meta.user_api_key_user_id) AS user_id,
  lower(trim(multiIf(meta.user_api_key_user_email LIKE '%@%', meta.user_api_key_user_email, spend_user LIKE '%@%', spend_user,
    meta.user_api_key_user_id LIKE '%@%', meta.user_api_key_user_id, ''))) AS user_email,
  if(r.end_user != '', r.end_user, meta.user_api_key_end_user_id) AS end_user,
  multiIf(spend_log AND r.team_id != '', r.team_id, meta.user_api_key_team_id != '', meta.user_api_key_team_id, meta.team_id) AS team_id,
  if(spend_log AND r.organization_id != '', r.organization_id, meta.user_api_key_org_id) AS org_id,
  r.custom_llm_provider AS provider,
  if(match(requested1, vendor), replaceRegexpOne(replaceRegexpOne(requested1, vendor, ''), '(-\\\\d{8})-v\\\\d+(:\\\\d+)?$', '\\\\1'), requested1) AS model_requested,
  if(match(served1, vendor), replaceRegexpOne(replaceRegexpOne(served1, vendor, ''), '(-\\\\d{8})-v\\\\d+(:\\\\d+)?$', '\\\\1'), served1) AS model_served,
  if(r.api_base != '', r.api_base, r.hidden_params.api_base) AS upstream,
  meta.user_api_key_request_route AS route,
  trim(r.call_type) AS call_type,
  arrayDistinct(arrayFilter(t -> t != '', arrayMap(t -> trim(t), r.request_tags))) AS tags,
  multiIf(r.user_agent != '', r.user_agent, meta.user_agent != '', meta.user_agent, headers.\`user-agent\`) AS user_agent,
  if(r.requester_ip_address != '', r.requester_ip_address, meta.requester_ip_address) AS client_ip,
  lower(if(r.status != '', r.status, meta.status)) AS status,
  greatest(toInt64(prompt) - toInt64(cache_read) - toInt64(cache_write), 0) AS uncached_input_tokens,
  cache_read AS cache_read_tokens,
  cache_write AS cache_write_tokens,
  coalesce(r.completion_tokens, usages[1].completion_tokens, usages[2].completion_tokens, 0) AS output_tokens,
  coalesce(if(spend_log, r.spend, coalesce(r.response_cost, r.cost_breakdown.total_cost, r.hidden_params.response_cost)), 0) AS cost_usd,
  toUInt32(greatest(ifNull(toInt64(r.request_duration_ms), dateDiff('millisecond', started, ended)), 0)) AS duration_ms,
  prompt_is_logged AS prompt_logged,
  response_is_logged AS response_logged,
  if(prompt_is_logged, length(prompt_value), 0) AS prompt_bytes,
  if(prompt_is_logged, lower(hex(SHA256(prompt_value))), '') AS prompt_sha256,
  if(response_is_logged, length(response_value), 0) AS response_bytes,
  if(response_is_logged, lower(hex(SHA256(response_value))), '') AS response_sha256,
  '' AS prompt_text,
  '' AS response_text,
  arrayDistinct(arrayFilter(x -> x != '', [if(r.mcp_namespaced_tool_name = '', '', column_tool[2]), if(mcp.namespaced_tool_name = '', '', meta_tool[2]), meta_tool_name])) AS tool_names,
  arrayDistinct(arrayFilter(x -> x != '', [if(r.mcp_namespaced_tool_name = '', '', column_tool[1]), if(mcp.namespaced_tool_name = '', '', meta_tool[1]), mcp.mcp_server_name])) AS mcp_servers,
  _topic AS source_topic,
  _partition AS source_partition,
  _offset AS source_offset,
  0 AS record_index,
  raw
FROM kafka_in`;
