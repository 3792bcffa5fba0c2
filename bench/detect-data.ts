/**
 * One synthetic day of driftwatch data, generated INSIDE ClickHouse (INSERT … SELECT FROM numbers)
 * for bench/detect.bench.ts: nothing passes through Node. Values follow the normalised row contract
 * (src/normalize/rows.ts) and the decoders' output for the samples in schemas/samples/; people,
 * teams, keys, credentials and apps come from policy.example.yaml; `raw` is a ~1 KB JSON record in
 * the shape of the source format, so storage and `raw` reads cost what they would in production.
 *
 * Proportions for N gateway requests (the org grows with N):
 *   users        N / 2000 (5 000 at 10 M), 4 policy teams + one team the policy does not know;
 *   sessions     Claude Code sessions of ~200 requests, each about an hour long, staggered;
 *   gateway      N: 80 % Claude Code (85 % LiteLLM, 15 % Kong), 8 % review bots, 12 % chat;
 *                anthropic / bedrock (12 % of coding) / openai (review, 30 % of chat);
 *   agent        per Claude Code request: api_request, + tool_decision & tool_result (80 %),
 *                + user_prompt (1 in 7) → about 2.2 N;
 *   billing      hourly usage buckets per key and model (Anthropic, OpenAI), one Bedrock invocation
 *                log per Bedrock request (≈ 0.1 N), daily cost rows, direct (unmanaged) usage;
 *   idp          8 events per user per day (Okta SSO / token grants / sessions, Entra sign-ins),
 *                hourly workload sign-ins, two offboardings.
 * Planted at realistic rates so every detector also takes its alert path: sessions bypassing the
 * gateway (0.1 %), ownerless sessions (0.1 %), identity switches (0.05 %), fallback models, an
 * unapproved MCP server and tool, a team without prompt logs, an over-billed gateway key hour,
 * personal API keys, SSO to unapproved AI apps, usage after offboarding, budgets exceeded; and the
 * agent-boundary kinds, each in 1 session of 500: Bash calls reading a .env or cloning another
 * organisation's repository (labels as ingest derives them), permanent Bash approvals, the chat
 * class's confluence server from a coding session; and team-data working 14:00–16:00 in Claude Code
 * desktop. (Until 2026-12-06 the session kinds were planted per tool call, so the confluence server
 * reached 12 % of sessions and one detector raised 5,981 alerts on the 10 M day.)
 */
import type { Store } from '../src/store/store.ts';
import { TABLE_COLUMNS } from '../src/normalize/columns.ts';

export interface DayShape {
  gateway: number;
  users: number;
  sessionsPerHour: number;
}

export function dayShape(n: number): DayShape {
  const perHour = Math.ceil(n / 24);
  return { gateway: n, users: Math.max(50, Math.round(n / 2000)), sessionsPerHour: Math.max(1, Math.round(perHour / 200)) };
}

// natural_key (0024) and bucket_key (0029) are left '' in generated days: nothing here is produced or exported twice.
const cols = (t: keyof typeof TABLE_COLUMNS) => [...TABLE_COLUMNS[t].filter((c) => c !== 'natural_key' && c !== 'bucket_key'), 'ingested_at'].join(', ');
// provider_usage.metrics (0016): the generated usage rows report no figures beyond tokens and cost.
const NO_METRICS = "CAST(map(), 'Map(LowCardinality(String), Float64)')";
const iso = (t: string) => `concat(replaceOne(toString(${t}), ' ', 'T'), 'Z')`;
const hex128 = (salt: string, ...x: string[]) => `lower(hex(sipHash128('${salt}', ${x.join(', ')})))`;
const uuid = (salt: string, ...x: string[]) => `toString(reinterpretAsUUID(sipHash128('${salt}', ${x.join(', ')})))`;

/** The statements, in order; `day` is 'YYYY-MM-DD' (UTC). */
export function daySql(n: number, day: string): string[] {
  const { users: U, sessionsPerHour: C } = dayShape(n);
  const P = Math.ceil(n / 24);
  const D = `toDateTime64('${day} 00:00:00', 3, 'UTC')`;
  return [
    'CREATE DATABASE IF NOT EXISTS bench',
    'DROP TABLE IF EXISTS bench.users',
    `CREATE TABLE bench.users ENGINE = Memory AS
     WITH ['alice@example.com', 'dana.lee@example.com', 'carol.nguyen@example.com', 'omar.haddad@example.com',
           'dave.kim@example.com', 'erin.walsh@example.com', 'frank.ortiz@example.com'] AS named, [1, 1, 2, 2, 3, 4, 4] AS named_team
     SELECT toUInt32(number) AS u,
       if(u < 7, named[u + 1], concat('dev', leftPad(toString(u), 5, '0'), '@example.com')) AS email,
       splitByChar('@', email)[1] AS local,
       if(u < 7, named_team[u + 1], [1, 1, 1, 2, 2, 3, 3, 4, 4, 5][u % 10 + 1]) AS ti,
       ['team-platform-eng', 'team-data', 'team-web', 'team-ml', 'team-contractors'][ti] AS team_id,
       ['platform', 'data', 'web', 'ml', 'contractors'][ti] AS alias,
       multiIf(email = 'alice@example.com', '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b',
               email = 'carol.nguyen@example.com', '3b1f6c0a9d2e4f5a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a',
               lower(hex(SHA256(concat('litellm-key-', email))))) AS litellm_key,
       multiIf(email = 'alice@example.com', 'c62c1455-9b1d-4f2d-8797-509ba83b8ae8',
               email = 'erin.walsh@example.com', '7d0e2a41-5c3b-4e8f-9a16-2b7c4d9e0f13', ${uuid('kong-cred', 'email')}) AS kong_cred,
       ${uuid('kong-consumer', 'email')} AS kong_consumer,
       concat('user_01', substring(${hex128('acct', 'email')}, 1, 22)) AS account_id,
       ${uuid('acct-uuid', 'email')} AS account_uuid,
       lower(hex(SHA256(concat('install-', email)))) AS install_id,
       concat('10.', toString(20 + intDiv(u, 62500)), '.', toString(intDiv(u, 250) % 250), '.', toString(u % 250 + 1)) AS ip,
       concat('00u', substring(${hex128('okta', 'email')}, 1, 17)) AS okta_id,
       ${uuid('entra', 'email')} AS entra_id
     FROM numbers(${U})`,
    gatewaySql(n, U, C, P, D),
    agentSql(U),
    ...billingSql(D),
    idpSql(U, D),
  ];
}

function gatewaySql(n: number, U: number, C: number, P: number, D: string): string {
  // Inline aliases `(expr AS name)` name each derived column once; the raw record reuses them.
  return `INSERT INTO gateway_requests (${cols('gateway_requests')})
  SELECT t AS event_time, if(gw = 'litellm', 'litellm.spend_log', 'kong.ai_proxy') AS format, gw AS gateway,
    if(gw = 'litellm', concat('msg_01', substring(${hex128('req', 'i')}, 1, 22)), ${hex128('kreq', 'i')}) AS request_id,
    if(cls = 'coding', sid, '') AS session_id, if(cls = 'coding', ${uuid('creq', 'i')}, '') AS client_request_id,
    multiIf(svc, lower(hex(SHA256(concat('svc-key-', toString(svc_n))))), anon, lower(hex(SHA256(concat('anon-', sid)))),
            cls = 'review' AND us.team_id = 'team-web', '5e8a1d4c7b0f3e6a9d2c5b8e1f4a7d0c3b6e9a2d5c8f1b4e7a0d3c6f9b2e5a8d',
            cls = 'review', lower(hex(SHA256(concat('review-', us.team_id)))), gw = 'kong', us.kong_cred, us.litellm_key) AS api_key_id,
    multiIf(svc, concat('svc-chat-', toString(svc_n)), anon, concat('ci-runner-', substring(sid, 1, 8)), cls = 'review',
            concat(us.alias, '-review-bot'), gw = 'kong', us.email, cls = 'chat', concat(us.local, '-chat'), concat(us.local, '-claude-code')) AS api_key_alias,
    if(nobody, '', if(gw = 'kong', us.kong_consumer, us.email)) AS user_id,
    if(nobody, '', us.email) AS user_email, '' AS end_user, if(svc, '', us.team_id) AS team_id, if(gw = 'litellm', 'org-acme', '') AS org_id, provider,
    multiIf(cls = 'review', 'gpt-5-codex', cls = 'chat', if(provider = 'openai', 'gpt-5-mini', 'claude-haiku-4-5'),
            us.team_id = 'team-ml' AND h % 10 < 3, if(gw = 'kong', 'claude-opus-4-1', 'claude-opus'),
            if(gw = 'kong', 'claude-sonnet-4-5', 'claude-sonnet')) AS model_requested,
    multiIf(cls = 'coding' AND cityHash64(i, 19) % 5000 = 0, 'claude-3-7-sonnet-20250219', model_requested = 'gpt-5-codex', 'gpt-5-codex',
            model_requested = 'gpt-5-mini', 'gpt-5-mini-2025-08-07', model_requested = 'claude-haiku-4-5', 'claude-haiku-4-5-20251001',
            startsWith(model_requested, 'claude-opus'), 'claude-opus-4-1-20250805', 'claude-sonnet-4-5-20250929') AS model_served,
    multiIf(provider = 'anthropic', 'https://api.anthropic.com/v1/messages', provider = 'openai', 'https://api.openai.com/v1/responses',
            concat('https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.', model_served, '-v1:0/invoke')) AS upstream,
    if(gw = 'kong', 'claude-code-anthropic', '') AS route,
    multiIf(gw = 'kong', 'stream', cls = 'coding', 'anthropic_messages', cls = 'review', 'aresponses', 'acompletion') AS call_type,
    if(gw = 'kong', [], [multiIf(cls = 'coding', 'claude-code', cls = 'review', 'code-review', 'chat')]) AS tags,
    multiIf(cls = 'coding', 'claude-cli/2.1.200 (external, cli)', cls = 'review', 'pr-review-bot/1.4 (github-actions)', 'python-httpx/0.28.1') AS user_agent,
    if(svc, concat('10.40.0.', toString(svc_n + 10)), us.ip) AS client_ip,
    if(cityHash64(i, 17) % 1000 < 5, 'failure', 'success') AS status,
    50 + h3 % 2500 AS uncached_input_tokens,
    if(cls = 'coding', 15000 + intDiv(h3, 4096) % 90000, intDiv(h3, 4096) % 3000) AS cache_read_tokens,
    if(intDiv(h3, 1048576) % 10 < 3, intDiv(h3, 16777216) % 6000, 0) AS cache_write_tokens,
    80 + intDiv(h3, 4294967296) % 2500 AS output_tokens,
    round((uncached_input_tokens * 3 + cache_write_tokens * 3.75 + cache_read_tokens * 0.3 + output_tokens * 15) / 1e6
          * multiIf(startsWith(model_served, 'claude-opus'), 5, startsWith(model_served, 'claude-haiku'), 0.34, startsWith(model_served, 'gpt'), 0.4, 1), 6) AS cost_usd,
    toUInt32(700 + intDiv(h3, 65536) % 20000) AS duration_ms,
    toUInt8(NOT (us.team_id = 'team-data' AND gw = 'litellm' AND cityHash64(i, 21) % 100 < 15)) AS prompt_logged, prompt_logged AS response_logged,
    if(prompt_logged, 600 + h3 % 40000, 0) AS prompt_bytes, if(prompt_logged, ${hex128('p', 'i')} || ${hex128('p2', 'i')}, '') AS prompt_sha256,
    if(prompt_logged, 200 + h3 % 9000, 0) AS response_bytes, if(prompt_logged, ${hex128('r', 'i')} || ${hex128('r2', 'i')}, '') AS response_sha256,
    '' AS prompt_text, '' AS response_text,
    multiIf(mcp = 1, ['create_pull_request'], mcp = 2, ['search_pages'], []) AS tool_names,
    multiIf(mcp = 1, ['github'], mcp = 2, ['notion'], []) AS mcp_servers,
    'driftwatch.gateway' AS source_topic, toUInt32(i % 6) AS source_partition, intDiv(i, 6) AS source_offset, toUInt32(0) AS record_index,
    if(gw = 'litellm',
      concat('{"request_id":"', request_id, '","call_type":"', call_type, '","api_key":"', api_key_id, '","spend":', toString(cost_usd),
        ',"total_tokens":', toString(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens),
        ',"prompt_tokens":', toString(uncached_input_tokens + cache_read_tokens + cache_write_tokens),
        ',"completion_tokens":', toString(output_tokens), ',"startTime":"', ${iso('t')}, '","endTime":"', ${iso('t + toIntervalMillisecond(duration_ms)')},
        '","request_duration_ms":', toString(duration_ms), ',"model":"', model_served, '","model_id":"', ${uuid('deploy', 'model_served')},
        '","model_group":"', model_requested, '","custom_llm_provider":"', provider, '","api_base":"', upstream, '","user":"', user_email,
        '","team_id":"', team_id, '","organization_id":"org-acme","end_user":"","session_id":"', session_id,
        '","request_tags":["', tags[1], '"],"requester_ip_address":"', client_ip, '","cache_hit":"False","cache_key":"Cache OFF","status":"', status,
        '","metadata":{"user_api_key":"', substring(api_key_id, 1, 8), '…","user_api_key_alias":"', api_key_alias, '","user_api_key_team_id":"', team_id,
        '","user_api_key_user_id":"', user_email, '","user_api_key_org_id":"org-acme","additional_usage_values":{"cache_read_input_tokens":',
        toString(cache_read_tokens), ',"cache_creation_input_tokens":', toString(cache_write_tokens), '},"headers":{"x-claude-code-session-id":"', session_id,
        '","user-agent":"', user_agent, '"}},"messages":{"sha256":"', prompt_sha256, '","bytes":', toString(prompt_bytes), '},"response":"{}"}'),
      concat('{"request":{"id":"', request_id, '","method":"POST","uri":"/anthropic/v1/messages","url":"https://ai.example.com:443/anthropic/v1/messages",',
        '"size":', toString(prompt_bytes + 900), ',"headers":{"user-agent":"', user_agent, '","x-claude-code-session-id":"', session_id,
        '","content-type":"application/json","anthropic-version":"2023-06-01"}},"response":{"status":200,"size":', toString(1200 + output_tokens * 4),
        '},"route":{"name":"claude-code-anthropic","id":"', ${uuid('route', "'r'")}, '"},"service":{"name":"anthropic","host":"api.anthropic.com"},',
        '"consumer":{"id":"', us.kong_consumer, '","username":"', us.email, '","custom_id":"', team_id, '"},"authenticated_entity":{"id":"', api_key_id,
        '"},"client_ip":"', client_ip, '","started_at":', toString(toUnixTimestamp64Milli(t)), ',"latencies":{"request":', toString(duration_ms),
        ',"kong":4,"proxy":', toString(duration_ms - 4), '},"ai":{"proxy":{"meta":{"request_model":"', model_requested, '","response_model":"', model_served,
        '","provider_name":"anthropic","plugin_id":"', ${uuid('plugin', "'p'")}, '","llm_latency":', toString(duration_ms - 30),
        '},"usage":{"prompt_tokens":', toString(uncached_input_tokens + cache_read_tokens), ',"completion_tokens":', toString(output_tokens), ',"total_tokens":',
        toString(uncached_input_tokens + cache_read_tokens + output_tokens), ',"cost":', toString(cost_usd), '},"payload":{"request":"', prompt_sha256, '"}}}}')) AS raw,
    t + toIntervalMillisecond(1500 + cityHash64(i, 20) % 8000) AS ingested_at
  FROM (
    SELECT number AS i, i % ${C} AS j, intDiv(i + j * ${Math.floor(P / C)}, ${P}) AS slot, slot * ${C} + j AS sess,
      cityHash64(i, 11) AS h, h % 100 AS mix, cityHash64(i, 18) AS h3,
      multiIf(mix < 80, 'coding', mix < 88, 'review', 'chat') AS cls,
      ${uuid('session', 'sess')} AS sid, cityHash64(sid) AS sh,
      toUInt32(if(cls = 'coding', cityHash64(sess, 7) % ${U}, cityHash64(i, 12) % ${U})) AS uid,
      ${D} + toIntervalMillisecond(intDiv(i * 86400000, ${n}) + h % 997) AS t,
      if(cls = 'coding' AND cityHash64(i, 13) % 100 >= 85, 'kong', 'litellm') AS gw,
      cls = 'chat' AND cityHash64(i, 14) % 10 = 0 AS svc, cityHash64(i, 15) % 8 AS svc_n,
      cls = 'coding' AND sh % 1000 = 3 AS anon,
      svc OR anon OR cls = 'review' AS nobody,
      cityHash64(i, 16) % 100 AS p2,
      multiIf(cls = 'review', 'openai', cls = 'chat', if(p2 < 70, 'anthropic', 'openai'), p2 < 12, 'bedrock', 'anthropic') AS provider,
      multiIf(cls = 'coding' AND gw = 'litellm' AND cityHash64(i, 22) % 100 = 0, 1, cls = 'coding' AND gw = 'litellm' AND cityHash64(i, 22) % 4000 = 1, 2, 0) AS mcp
    FROM numbers(${n})) AS g
  INNER JOIN bench.users AS us ON us.u = g.uid`;
}

function agentSql(U: number): string {
  return `INSERT INTO agent_events (${cols('agent_events')})
  SELECT et AS event_time, if(idx % 3 = 0, 'otel.otlp_json', 'otel.flat') AS format, kind AS event_name,
    if(sh % 1000 = 1, ${uuid('direct', 'gsid')}, gsid) AS session_id, ${uuid('prompt', 'gsid', 'intDiv(g.source_offset, 5)')} AS prompt_id,
    g.source_offset * 4 + idx AS event_sequence, us.install_id AS user_id,
    multiIf(sh % 1000 = 3, '', sh % 2000 = 5 AND h % 2 = 1, concat('dev', leftPad(toString((us.u * 7 + 3) % ${U}), 5, '0'), '@example.com'), us.email) AS user_email,
    us.account_id AS account_id, us.account_uuid AS account_uuid, 'dc9f6c26-b22c-4831-8d01-0446bada88f1' AS organization_id,
    us.alias AS team_id, if(us.ti = 2 AND toHour(et) IN (14, 15), 'claude-code-desktop', 'claude-code') AS service_name, '2.1.200' AS service_version,
    ['iTerm.app', 'vscode', 'cursor', 'tmux', 'Apple_Terminal'][us.u % 5 + 1] AS terminal_type,
    if(api, g.model_served, '') AS model, if(api, concat('req_011', substring(${hex128('areq', 'g.request_id')}, 1, 20)), '') AS request_id,
    if(api, ${uuid('acreq', 'g.request_id')}, '') AS client_request_id,
    if(api, g.uncached_input_tokens, 0) AS uncached_input_tokens, if(api, g.cache_read_tokens, 0) AS cache_read_tokens,
    if(api, g.cache_write_tokens, 0) AS cache_write_tokens, if(api, g.output_tokens, 0) AS output_tokens,
    if(api, g.cost_usd, 0) AS cost_usd, toUInt32(multiIf(api, g.duration_ms, kind = 'tool_result', 100 + h % 5000, 0)) AS duration_ms,
    -- the chat class's confluence server from a coding session: planted per session (1 in 500), as every other incident
    if(tool, multiIf(sh % 500 = 9 AND tp >= 980, 'mcp__confluence__search', tp < 300, 'Bash', tp < 520, 'Read', tp < 700, 'Edit', tp < 780, 'Grep', tp < 840, 'Glob', tp < 880, 'Write', tp < 910, 'TodoWrite',
      tp < 940, 'mcp__github__create_pull_request', tp < 960, 'mcp__jira__get_issue',
      tp < 990, ['mcp__kubernetes__get_pods', 'mcp__snowflake__run_query', 'mcp__figma__get_file', 'mcp__wandb__log_run', 'mcp__github__search_code'][us.ti],
      tp < 995, 'WebFetch', tp < 999, 'Task', 'mcp__notion__search'), '') AS tool_name, if(startsWith(tool_name, 'mcp__'), splitByString('__', tool_name)[2], '') AS mcp_server,
    if(startsWith(tool_name, 'mcp__'), 'user', '') AS tool_source,
    multiIf(kind = 'tool_decision', if(intDiv(h, 1048576) % 100 < 2, 'reject', 'accept'), kind = 'tool_result', 'accept', '') AS decision,
    if(kind = 'tool_result', if(h % 100 < 5, 'false', 'true'), '') AS success,
    -- tool-detail labels as ingest derives them: in a few sessions (1 in 500 each) Bash calls read a .env or clone another
    -- organisation's repository; managed settings pre-approve the read and edit tools (source config), other calls are approved
    -- one by one (user_temporary), and in a few sessions Bash is approved for good (user_permanent)
    CAST(if(kind = 'tool_result' AND tool_name = 'Bash' AND sh % 500 = 13 AND h % 20 = 7, ['dotenv-file'], []), 'Array(String)') AS secret_labels,
    CAST(if(kind = 'tool_result' AND tool_name = 'Bash' AND sh % 500 = 17 AND h % 20 = 11, ['github.com/rival-labs'], []), 'Array(String)') AS repositories,
    CAST([], 'Array(String)') AS hosts,
    if(startsWith(tool_name, 'mcp__'), splitByString('__', tool_name)[3], '') AS mcp_tool,
    multiIf(kind = 'tool_decision' AND tool_name = 'Bash' AND sh % 500 = 19 AND h % 20 = 3, 'user_permanent',
            kind = 'tool_decision', if(tool_name IN ('Read', 'Edit', 'Grep', 'Glob', 'Write', 'TodoWrite', 'Task') OR startsWith(tool_name, 'mcp__github__')
                                        OR startsWith(tool_name, 'mcp__jira__'), 'config', 'user_temporary'),
            kind = 'tool_result', 'config', '') AS decision_source,
    '' AS permission_mode, toUInt8(0) AS prompt_logged,
    toUInt32(if(kind = 'user_prompt', 100 + h % 4000, 0)) AS prompt_bytes, '' AS prompt_sha256, '' AS prompt_text,
    if(tool, map('os.type', 'darwin', 'host.arch', 'arm64', 'department', 'engineering', 'tool_use_id', tool_use_id, 'decision_source', 'config',
                 'tool_input_size_bytes', toString(h % 4000)),
             map('os.type', 'darwin', 'host.arch', 'arm64', 'department', 'engineering', 'speed', 'normal', 'query_source', 'repl_main_thread')) AS attributes,
    'driftwatch.agent' AS source_topic, g.source_partition AS source_partition, g.source_offset * 4 + idx AS source_offset, toUInt32(0) AS record_index,
    concat('{"timeUnixNano":"', toString(toUnixTimestamp64Milli(et)), '000000","body":{"stringValue":"claude_code.', kind,
      '"},"resource":{"service.name":"claude-code","service.version":"2.1.200","os.type":"darwin","host.arch":"arm64"},',
      '"scope":{"name":"com.anthropic.claude_code.events"},"attributes":{"event.name":"', kind, '","event.timestamp":"', ${iso('et')},
      '","event.sequence":', toString(event_sequence), ',"session.id":"', session_id, '","prompt.id":"', prompt_id, '","user.id":"', user_id,
      '","user.account_uuid":"', account_uuid, '","user.account_id":"', account_id, '","organization.id":"', organization_id,
      '","user.email":"', user_email, '","terminal.type":"', terminal_type, '","team.id":"', team_id, '"',
      multiIf(api, concat(',"model":"', model, '","cost_usd":', toString(cost_usd), ',"duration_ms":', toString(duration_ms), ',"input_tokens":',
                toString(uncached_input_tokens), ',"output_tokens":', toString(output_tokens), ',"cache_read_tokens":', toString(cache_read_tokens),
                ',"cache_creation_tokens":', toString(cache_write_tokens), ',"request_id":"', request_id, '","client_request_id":"', client_request_id,
                '","speed":"normal","query_source":"repl_main_thread"'),
              tool, concat(',"tool_name":"', tool_name, '","tool_use_id":"', tool_use_id, '","decision":"', decision, '","source":"', if(kind = 'tool_decision', decision_source, 'config'), '"',
                ',"success":"', success, '","duration_ms":', toString(duration_ms), ',"tool_parameters":"{\\\\"command\\\\":\\\\"', ${hex128('cmd', 'g.request_id')},
                '\\\\",\\\\"description\\\\":\\\\"Run the focused unit tests for the module being edited\\\\"}","mcp_server_scope":"user"'),
              concat(',"prompt_length":', toString(prompt_bytes), ',"prompt":"<REDACTED>"')), '}}') AS raw,
    et + toIntervalMillisecond(4000 + h % 11000) AS ingested_at
  FROM (
    SELECT *, kind, idx, cityHash64(request_id, kind) AS h, cityHash64(session_id) AS sh, session_id AS gsid, kind = 'api_request' AS api,
      kind IN ('tool_decision', 'tool_result') AS tool, cityHash64(request_id, 't') % 1000 AS tp,
      concat('toolu_01', substring(${hex128('tu', 'request_id')}, 1, 22)) AS tool_use_id,
      multiIf(kind = 'user_prompt', event_time - toIntervalMillisecond(2000), api, event_time + toIntervalMillisecond(duration_ms),
              kind = 'tool_decision', event_time + toIntervalMillisecond(duration_ms + 300),
              event_time + toIntervalMillisecond(duration_ms + 1300 + cityHash64(request_id) % 4000)) AS et
    FROM (
      SELECT event_time, session_id, request_id, client_ip, model_served, uncached_input_tokens, cache_read_tokens, cache_write_tokens,
        output_tokens, cost_usd, duration_ms, source_partition, source_offset, cityHash64(request_id, 'k') AS hk,
        arrayConcat(if(hk % 7 = 0, ['user_prompt'], []), ['api_request'], if(hk % 5 != 0, ['tool_decision', 'tool_result'], [])) AS kinds
      FROM gateway_requests WHERE session_id != '')
    ARRAY JOIN kinds AS kind, arrayEnumerate(kinds) AS idx) AS g
  INNER JOIN bench.users AS us ON us.ip = g.client_ip`;
}

function billingSql(D: string): string[] {
  const usageRaw = (fmt: string) => `concat('{"starting_at":"', ${iso('hr')}, '","ending_at":"', ${iso('hr + toIntervalHour(1)')}, '","results":[{"api_key_id":"', key,
      '","workspace_id":"', ws, '","model":"', model, '","service_tier":"standard","context_window":"0-200k","uncached_input_tokens":', toString(u),
      ',"cache_creation":{"ephemeral_5m_input_tokens":', toString(cw), ',"ephemeral_1h_input_tokens":0},"cache_read_input_tokens":', toString(cr),
      ',"output_tokens":', toString(o), ',"server_tool_use":{"web_search_requests":0},"source":"${fmt}"}],"has_more":false}')`;
  const usageCols = `hr AS event_time, hr + toIntervalHour(1) AS bucket_end`;
  const tail = (fmt: string, kind: string) => `'driftwatch.billing' AS source_topic, toUInt32(0) AS source_partition,
      toUInt64(rowNumberInAllBlocks()) AS source_offset, toUInt32(0) AS record_index, ${usageRaw(fmt)} AS raw, hr + toIntervalMinute(${kind === 'usage' ? 70 : 30}) AS ingested_at`;
  return [
    // Anthropic usage report: the gateways' keys, per hour and model, from what the gateways sent (one hour over-billed: a copied key).
    `INSERT INTO provider_usage (${cols('provider_usage')})
     SELECT ${usageCols}, 'anthropic.usage', 'anthropic', 'usage', key AS api_key_id, ws AS workspace_id, '', '', '', '', '', '', model, 'standard', '',
       u, cr, cw, o, toUInt64(0), 0, ${NO_METRICS}, toUInt8(0), ${tail('anthropic', 'usage')}
     FROM (SELECT toStartOfHour(event_time) AS hr, gateway, model_served AS model,
             if(gateway = 'litellm', 'apikey_01Rj2N8SVvo6BePZj99NhmiT', 'apikey_01H8kQ2vNwXo7cZfTg3LmBpR') AS key,
             if(gateway = 'litellm', 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', 'wrkspc_01KongServices00000000') AS ws,
             if(gateway = 'kong' AND toHour(hr) = 13, 1.5, 1) AS f,
             toUInt64(sum(uncached_input_tokens) * f) AS u, toUInt64(sum(cache_read_tokens) * f) AS cr,
             toUInt64(sum(cache_write_tokens) * f) AS cw, toUInt64(sum(output_tokens) * f) AS o
           FROM gateway_requests WHERE provider = 'anthropic' GROUP BY hr, gateway, model)`,
    // Direct use: Claude.ai / Console logins (no api key) of the bypassing sessions' people, and personal API keys.
    `INSERT INTO provider_usage (${cols('provider_usage')})
     SELECT ${usageCols}, 'anthropic.usage', 'anthropic', 'usage', key AS api_key_id, ws AS workspace_id, acct, '', '', '', '', '', model, 'standard', '',
       u, cr, cw, o, toUInt64(0), 0, ${NO_METRICS}, toUInt8(0), ${tail('anthropic', 'usage')}
     FROM (SELECT toStartOfHour(g.event_time) AS hr, '' AS key, '' AS ws, us.account_id AS acct, g.model_served AS model,
             sum(g.uncached_input_tokens) AS u, sum(g.cache_read_tokens) AS cr, sum(g.cache_write_tokens) AS cw, sum(g.output_tokens) AS o
           FROM gateway_requests AS g INNER JOIN bench.users AS us ON us.ip = g.client_ip
           WHERE g.session_id != '' AND cityHash64(g.session_id) % 1000 = 1 GROUP BY hr, acct, model
           UNION ALL
           SELECT ${D} + toIntervalHour(8 + number % 9) AS hr, concat('apikey_01Pers', leftPad(toString(intDiv(number, 9)), 17, '0')), 'wrkspc_01Personal0000000000', '',
             'claude-sonnet-4-5-20250929', 1000 + number * 37, 400000 + number * 1000, 20000, 30000 + number * 11
           FROM numbers(90))`,
    // OpenAI usage per hour and model for the gateway key.
    `INSERT INTO provider_usage (${cols('provider_usage')})
     SELECT ${usageCols}, 'openai.usage', 'openai', 'usage', 'key_abc', 'proj_abc', '', '', '', '', '', '', model, '', '',
       u, cr, 0, o, n, 0, ${NO_METRICS}, toUInt8(0), ${tail('openai', 'usage')}
     FROM (SELECT toStartOfHour(event_time) AS hr, 'key_abc' AS key, 'proj_abc' AS ws, model_served AS model, sum(uncached_input_tokens) AS u,
             sum(cache_read_tokens) AS cr, toUInt64(0) AS cw, sum(output_tokens) AS o, count() AS n
           FROM gateway_requests WHERE provider = 'openai' GROUP BY hr, model)`,
    // Bedrock model invocation logs: one per gateway Bedrock request, plus direct SSO-role use by three people.
    `INSERT INTO provider_usage (${cols('provider_usage')})
     SELECT t, t, 'bedrock.invocation', 'bedrock', 'invocation', '', '123456789012', '', email, principal, '', '', rid, model, '', '',
       u, cr, cw, o, toUInt64(1), 0, ${NO_METRICS}, toUInt8(0), 'driftwatch.billing', toUInt32(1), toUInt64(rowNumberInAllBlocks()), toUInt32(0),
       concat('{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"', ${iso('t')}, '","accountId":"123456789012","identity":{"arn":"',
         principal, '"},"region":"us-east-1","requestId":"', rid, '","operation":"InvokeModelWithResponseStream","modelId":"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.',
         model, '-v1:0","input":{"inputContentType":"application/json","inputTokenCount":', toString(u), ',"cacheReadInputTokenCount":', toString(cr),
         ',"cacheWriteInputTokenCount":', toString(cw), '},"output":{"outputContentType":"application/json","outputTokenCount":', toString(o),
         '},"requestMetadata":{"team":"', team, '"}}'),
       t + toIntervalMinute(5)
     FROM (SELECT event_time + toIntervalMillisecond(40) AS t, ${uuid('bedrock', 'request_id')} AS rid, model_served AS model, '' AS email,
             'arn:aws:sts::123456789012:assumed-role/litellm-gateway/litellm-prod-0' AS principal, team_id AS team,
             uncached_input_tokens AS u, cache_read_tokens AS cr, cache_write_tokens AS cw, output_tokens AS o
           FROM gateway_requests WHERE provider = 'bedrock'
           UNION ALL
           SELECT ${D} + toIntervalSecond(32400 + number * 97), ${uuid('bedrock-direct', 'number')}, 'claude-sonnet-4-5-20250929', email,
             concat('arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0a1b2c3d/', email), '', 900 + number, 40000, 0, 500
           FROM numbers(600) ARRAY JOIN [['dev00031@example.com', 'dev00042@example.com', 'omar.haddad@example.com'][number % 3 + 1]] AS email)`,
    // Daily billed cost rows (Anthropic cost_report per workspace and model, OpenAI costs per key and line item).
    `INSERT INTO provider_usage (${cols('provider_usage')})
     SELECT ${D}, ${D} + toIntervalDay(1), fmt, prov, 'cost', key, ws, '', '', '', '', '', '', model, '', line, 0, 0, 0, 0, toUInt64(0), usd, ${NO_METRICS}, toUInt8(0),
       'driftwatch.billing', toUInt32(2), number, toUInt32(0),
       concat('{"starting_at":"', ${iso(D)}, '","results":[{"currency":"USD","amount":"', toString(usd * 100), '","workspace_id":"', ws,
         '","description":"', line, '","cost_type":"tokens","model":"', model, '","service_tier":"standard"}]}'), ${D} + toIntervalHour(30)
     FROM (SELECT number, if(number < 4, 'anthropic.cost', 'openai.costs') AS fmt, if(number < 4, 'anthropic', 'openai') AS prov,
             if(number < 4, '', 'key_abc') AS key, if(number < 4, 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', 'proj_abc') AS ws,
             ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001', 'claude-opus-4-1-20250805', 'claude-sonnet-4-5-20250929', '', ''][number + 1] AS model,
             ['Claude Sonnet 4.5 Usage - Input Tokens', 'Claude Haiku 4.5 Usage - Input Tokens', 'Claude Opus 4.1 Usage - Output Tokens',
              'Claude Sonnet 4.5 Usage - Output Tokens', 'gpt-5-codex, input', 'gpt-5-mini, output'][number + 1] AS line,
             [123.45, 18.2, 250.0, 310.5, 95.3, 12.1][number + 1] AS usd
           FROM numbers(6))`,
    // Anthropic's Claude Code analytics for the day (usage_report/claude_code): per person a row per model and an
    // activity row, for 40 people who also work through the gateway and 4 who used Claude Code only on their own login.
    `INSERT INTO provider_usage (${cols('provider_usage')})
     SELECT ${D}, ${D} + toIntervalDay(1), 'anthropic.claude_code', 'anthropic', 'claude_code', '', '', '', email, '', '', '', '', model,
       'subscription', 'vscode', if(model = '', 0, 20000 + k * 100), 0, 0, if(model = '', 0, 4000 + k * 10), toUInt64(0),
       if(model = '', 0, 1.5 + k / 100),
       if(model = '', CAST(map('num_sessions', toFloat64(3 + k % 5)), 'Map(LowCardinality(String), Float64)'), ${NO_METRICS}), toUInt8(0),
       'driftwatch.billing', toUInt32(3), toUInt64(k * 2 + (model != '')), toUInt32(0),
       concat('{"date":"', ${iso(D)}, '","actor":{"type":"user_actor","email_address":"', email,
         '"},"customer_type":"subscription","terminal_type":"vscode"}'), ${D} + toIntervalHour(25)
     FROM (SELECT u AS k, email FROM bench.users WHERE u < 40
           UNION ALL SELECT 40 + number, concat('claude-direct-', toString(number), '@example.com') FROM numbers(4))
     ARRAY JOIN ['claude-sonnet-4-5-20250929', ''] AS model`,
  ];
}

function idpSql(U: number, D: string): string {
  // k: 0 Okta SSO to the approved gateway app, 1 Okta token grant (client id only), 2 Okta session start, 3–4 Entra sign-ins
  // to the approved app, 5 Entra Office, 6 Okta SSO to a non-AI app, 7 SSO to an unapproved AI app (2 % of people) or Jira.
  return `INSERT INTO idp_events (${cols('idp_events')})
  SELECT t, if(okta, 'okta.system_log', 'entra.signin'), if(okta, 'okta', 'entra'), eid, etype, actor_id, actor_email, atype, aname,
    target_id, target_email, app_id, app_name, outcome, reason, if(okta, concat('102', substring(${hex128('osess', 'actor_email', 'toString(day_n)')}, 1, 22)), ${uuid('esess', 'actor_email')}),
    ip, 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36',
    grant, scopes, '', 'driftwatch.idp', toUInt32(0), toUInt64(rowNumberInAllBlocks()), toUInt32(0),
    if(okta,
      concat('{"uuid":"', eid, '","published":"', ${iso('t')}, '","eventType":"', etype, '","version":"0","severity":"INFO","displayMessage":"',
        etype, '","actor":{"id":"', actor_id, '","type":"', if(atype = 'user', 'User', 'PublicClientApp'), '","alternateId":"', actor_email, '","displayName":"', aname,
        '"},"client":{"userAgent":{"rawUserAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)","os":"Mac OS X","browser":"CHROME"},"zone":"null","device":"Computer","ipAddress":"', ip,
        '","geographicalContext":{"city":"Amsterdam","state":"North Holland","country":"Netherlands","postalCode":"1012"}},"outcome":{"result":"', upper(outcome),
        '"},"target":[{"id":"', if(target_id != '', target_id, app_id), '","type":"', if(target_id != '', 'User', 'AppInstance'), '","alternateId":"',
        if(target_email != '', target_email, app_name), '","displayName":"', app_name, '"}],"transaction":{"type":"WEB","id":"', ${hex128('tx', 'eid')},
        '"},"debugContext":{"debugData":{"requestUri":"/oauth2/v1/token","grantType":"', grant, '","threatSuspected":"false"}},',
        '"authenticationContext":{"authenticationStep":0,"externalSessionId":"', ${hex128('ext', 'eid')}, '"},"securityContext":{"asNumber":1136,"isp":"kpn"}}'),
      concat('{"id":"', eid, '","createdDateTime":"', ${iso('t')}, '","userDisplayName":"', aname, '","userPrincipalName":"', actor_email, '","userId":"', actor_id,
        '","appId":"', app_id, '","appDisplayName":"', app_name, '","ipAddress":"', ip, '","clientAppUsed":"Browser","correlationId":"', ${uuid('corr', 'eid')},
        '","conditionalAccessStatus":"success","isInteractive":', if(etype = 'signin.interactiveUser', 'true', 'false'),
        ',"riskDetail":"none","riskLevelAggregated":"none","status":{"errorCode":0,"failureReason":"Other."},"deviceDetail":{"deviceId":"","operatingSystem":"MacOs","browser":"Chrome 139.0.0"},',
        '"location":{"city":"Amsterdam","state":"Noord-Holland","countryOrRegion":"NL"},"resourceDisplayName":"', app_name, '","signInEventTypes":["', etype, '"]}')),
    t + toIntervalMinute(3 + cityHash64(eid) % 10)
  FROM (
    SELECT number AS n, intDiv(n, 8) AS uid, n % 8 AS k, 0 AS day_n, us.email AS actor_email, k IN (0, 1, 2, 6) OR (k = 7 AND us.u % 100 != 42) AS okta,
      ${D} + toIntervalSecond(25200 + cityHash64(n) % 43200) AS t, if(okta, concat('e', ${uuid('okta-ev', 'n')}), ${uuid('entra-ev', 'n')}) AS eid,
      multiIf(k = 0, 'user.authentication.sso', k = 1, 'app.oauth2.as.token.grant.access_token', k = 2, 'user.session.start',
              k = 3, 'signin.interactiveUser', k = 4 OR k = 5, 'signin.nonInteractiveUser', k = 6, 'user.authentication.sso',
              us.u % 100 = 42, 'signin.interactiveUser', 'user.authentication.sso') AS etype,
      if(okta, us.okta_id, us.entra_id) AS actor_id, 'user' AS atype, initcap(replaceAll(us.local, '.', ' ')) AS aname, '' AS target_id, '' AS target_email,
      multiIf(k IN (0, 1), '0oa8llmgateway0001d7', k IN (3, 4), 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', k = 5, '00000002-0000-0ff1-ce00-000000000000',
              k = 6, '0oa2githubent0001d7', us.u % 100 = 17, '0oa9chatgptent001d7', us.u % 100 = 42, 'b1c2d3e4-cursor-4f00-9a00-000000000042', '0oa4jira000001d7') AS app_id,
      multiIf(k = 0, 'LLM Gateway', k = 1, '', k = 2, '', k IN (3, 4), 'LLM Gateway (LiteLLM)', k = 5, 'Office 365 Exchange Online', k = 6, 'GitHub Enterprise',
              us.u % 100 = 17, 'ChatGPT Enterprise', us.u % 100 = 42, 'Cursor', 'Jira Software') AS app_name,
      'success' AS outcome, '' AS reason, us.ip AS ip, if(k = 1, 'authorization_code', if(okta, '', 'oAuth2')) AS grant,
      if(k = 1, ['openid', 'email', 'offline_access'], []) AS scopes
    FROM numbers(${U * 8}) AS nn INNER JOIN bench.users AS us ON us.u = intDiv(nn.number, 8)
    UNION ALL
    -- workloads: three CI identities of the approved runner app, signing in every hour
    SELECT number, 0, 0, 0, '', false, ${D} + toIntervalSecond(number * 1200 + 61), ${uuid('sp-ev', 'number')}, 'signin.servicePrincipal',
      ${uuid('sp', 'toString(number % 3)')}, 'service_principal', 'ci-claude-code-runner', '', '', 'de8bc8b5-d9f9-48b1-a8ad-b748da725064',
      'ci-claude-code-runner', 'success', '', concat('20.42.0.', toString(15 + number % 3)), 'federatedIdentityCredential', []
    FROM numbers(72)
    UNION ALL
    -- offboarding: two people deactivated mid-morning whose gateway keys keep working
    SELECT number, 0, 0, 0, 'it-admin@example.com', true, ${D} + toIntervalSecond(36000 + number * 600), concat('e', ${uuid('deact', 'number')}),
      'user.lifecycle.deactivate', '00u1adm1nXyZ0000d7', 'user', 'IT Admin', concat('00u', toString(number)), email, '', '', 'success', '', '198.51.100.7', '', []
    FROM numbers(2) ARRAY JOIN [['dev00011@example.com', 'dev00023@example.com'][number + 1]] AS email)`;
}

export async function generateDay(store: Store, n: number, day: string, say: (msg: string) => void): Promise<void> {
  const steps = daySql(n, day);
  // Each statement gets its own deduplication token: the source tables keep a deduplication window
  // (non_replicated_deduplication_window) and the embedded engine dropped some of these INSERT …
  // SELECT blocks as duplicates even with insert_deduplicate = 0 (measured 2026-12-06: the day's
  // cost rows, OpenAI usage, personal-key usage and, at N = 500,000, the Claude Code report rows
  // were missing); a token unique to the run makes every block new.
  const run = `bench-${day}-${n}-${Date.now()}`;
  for (const [i, query] of steps.entries()) {
    const t0 = performance.now();
    await store.client.command({
      query,
      clickhouse_settings: { max_execution_time: 0, insert_deduplicate: 0, insert_deduplication_token: `${run}-${i}` },
    });
    say(`  step ${i + 1}/${steps.length} ${query.trim().split('\n')[0]?.slice(0, 70)} … ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  await store.client.command({ query: 'DROP DATABASE bench' });
}
