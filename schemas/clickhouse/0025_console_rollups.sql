-- Roll-ups for the console's pages.
--
-- Source health per hour (GET /api/sources, the console's Sources page): per source, team and hour the
-- events, the last event, the last ingest and the longest delay between an event and its ingest.
--
-- Why: the page read max(ingested_at) and the delays from the raw tables, a scan of every row of the
-- window (agent_events is ordered by session_id, so a day there is the whole table): 782 ms p95 on
-- the 1 M-request day of bench:api. The roll-up holds one row per source, team and hour; a window's
-- whole hours are read here and only its unaligned edges (less than an hour each) from the raw tables
-- (src/api/routes/sources.ts).
--
-- The team is what the page groups by: the logged team (team_id), the IdP itself for IdP events.
-- Same conventions as 0010_rollups.sql: SimpleAggregateFunction figures re-aggregated with the same
-- function, `hour` = toStartOfHour(event_time), insert deduplication with the source's blocks (a
-- deduplication window, and deduplicate_blocks_in_dependent_materialized_views at insert), no TTL
-- (0013_retention_from_ingest.sql), the views listed in src/store/rollups.ts. Existing rows are
-- backfilled at the end of this file, views first (run migrations before starting consumers).
CREATE TABLE IF NOT EXISTS source_hourly
(
    hour         DateTime('UTC'),
    source       LowCardinality(String),
    team         LowCardinality(String),
    events       SimpleAggregateFunction(sum, UInt64),
    last_event   SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    last_ingest  SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    max_delay_ms SimpleAggregateFunction(max, Int64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, source, team)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS source_hourly_gateway_mv TO source_hourly AS
SELECT 'gateway' AS source, toString(team_id) AS team, toStartOfHour(event_time) AS hour, count() AS events, max(event_time) AS last_event,
       max(ingested_at) AS last_ingest, max(toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time)) AS max_delay_ms
FROM gateway_requests
GROUP BY team, hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS source_hourly_billing_mv TO source_hourly AS
SELECT 'billing' AS source, toString(team_id) AS team, toStartOfHour(event_time) AS hour, count() AS events, max(event_time) AS last_event,
       max(ingested_at) AS last_ingest, max(toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time)) AS max_delay_ms
FROM provider_usage
GROUP BY team, hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS source_hourly_idp_mv TO source_hourly AS
SELECT 'idp' AS source, toString(idp) AS team, toStartOfHour(event_time) AS hour, count() AS events, max(event_time) AS last_event,
       max(ingested_at) AS last_ingest, max(toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time)) AS max_delay_ms
FROM idp_events
GROUP BY team, hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS source_hourly_agent_mv TO source_hourly AS
SELECT 'agent' AS source, toString(team_id) AS team, toStartOfHour(event_time) AS hour, count() AS events, max(event_time) AS last_event,
       max(ingested_at) AS last_ingest, max(toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time)) AS max_delay_ms
FROM agent_events
GROUP BY team, hour;

-- The posture page's models, tools and prompt logging, and the FinOps page's spend per model, per UTC
-- day (GET /api/posture, src/views/posture.ts; GET /api/spend/series): their periods are whole UTC days, and gateway_hourly / agent_tools_hourly hold a row per hour of each
-- combination (on the 1 M-request day of bench:api 57,686 and 140,127 rows, for 3,142 distinct
-- gateway combinations): the posture read them all, a week of them per request. These keep only the
-- columns the posture's attribution and classification read (team, key, alias, person, served model,
-- route, client, tags, MCP servers; agent tool, server and person), so a day is a few thousand rows.
-- Policy-dependent judgements (team, task class, approval) stay at read time: policies change.
CREATE TABLE IF NOT EXISTS gateway_console_daily
(
    day           Date,
    team_id       LowCardinality(String),
    api_key_id    String,
    api_key_alias String,
    user_email    String,
    model_served  LowCardinality(String),
    route         String,
    user_agent    String,
    tags          Array(LowCardinality(String)),
    mcp_servers   Array(String),
    requests      SimpleAggregateFunction(sum, UInt64),
    -- model requests (no MCP call) stored without their prompt: gateway.prompt-log-gap's count
    unlogged_prompts SimpleAggregateFunction(sum, UInt64),
    cost_usd      SimpleAggregateFunction(sum, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, team_id, api_key_id, api_key_alias, user_email, model_served, route, user_agent, tags, mcp_servers)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS gateway_console_daily_mv TO gateway_console_daily AS
SELECT toDate(event_time) AS day, team_id, api_key_id, api_key_alias, user_email, model_served, route, user_agent, tags, mcp_servers, count() AS requests,
       countIf(prompt_logged = 0 AND empty(mcp_servers)) AS unlogged_prompts, sum(cost_usd) AS cost_usd
FROM gateway_requests
GROUP BY day, team_id, api_key_id, api_key_alias, user_email, model_served, route, user_agent, tags, mcp_servers;

CREATE TABLE IF NOT EXISTS agent_tools_daily
(
    day        Date,
    user_email String,
    team_id    LowCardinality(String),
    mcp_server String,
    tool_name  String,
    results    SimpleAggregateFunction(sum, UInt64),
    decisions  SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, user_email, team_id, mcp_server, tool_name)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_tools_daily_mv TO agent_tools_daily AS
SELECT toDate(event_time) AS day, user_email, team_id, mcp_server, tool_name,
       countIf(event_name = 'tool_result') AS results, countIf(event_name = 'tool_decision') AS decisions
FROM agent_events
WHERE event_name IN ('tool_result', 'tool_decision') AND (tool_name != '' OR mcp_server != '')
GROUP BY day, user_email, team_id, mcp_server, tool_name;

-- Sessions per UTC day for the posture's gateway and owner shares: the agent side (events, model
-- requests, the latest e-mail and OTel team of the day) and the gateway side (requests per gateway
-- and key, and whether a person was logged), instead of a week of hourly rows per session.
CREATE TABLE IF NOT EXISTS agent_sessions_daily
(
    day          Date,
    session_id   String,
    events       SimpleAggregateFunction(sum, UInt64),
    api_requests SimpleAggregateFunction(sum, UInt64),
    email        AggregateFunction(argMaxIf, String, DateTime64(3, 'UTC'), UInt8),
    otel_team    AggregateFunction(argMaxIf, String, DateTime64(3, 'UTC'), UInt8)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, session_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_sessions_daily_mv TO agent_sessions_daily AS
SELECT toDate(event_time) AS day, session_id, count() AS events, countIf(event_name = 'api_request') AS api_requests,
       argMaxIfState(user_email, event_time, user_email != '') AS email,
       argMaxIfState(toString(team_id), event_time, team_id != '') AS otel_team
FROM agent_events
WHERE session_id != ''
GROUP BY day, session_id;

CREATE TABLE IF NOT EXISTS gateway_sessions_daily
(
    day           Date,
    session_id    String,
    gateway       LowCardinality(String),
    api_key_id    String,
    api_key_alias String,
    has_email     UInt8,
    requests      SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, session_id, gateway, api_key_id, api_key_alias, has_email)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS gateway_sessions_daily_mv TO gateway_sessions_daily AS
SELECT toDate(event_time) AS day, session_id, gateway, api_key_id, api_key_alias, user_email != '' AS has_email, count() AS requests
FROM gateway_requests
WHERE session_id != ''
GROUP BY day, session_id, gateway, api_key_id, api_key_alias, has_email;

-- Backfill what was ingested before this migration (no-op on a new store).
INSERT INTO source_hourly (source, team, hour, events, last_event, last_ingest, max_delay_ms)
SELECT 'gateway' AS source, toString(team_id) AS team, toStartOfHour(event_time) AS hour, count() AS events, max(event_time) AS last_event,
       max(ingested_at) AS last_ingest, max(toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time)) AS max_delay_ms
FROM gateway_requests
GROUP BY team, hour;

INSERT INTO source_hourly (source, team, hour, events, last_event, last_ingest, max_delay_ms)
SELECT 'billing' AS source, toString(team_id) AS team, toStartOfHour(event_time) AS hour, count() AS events, max(event_time) AS last_event,
       max(ingested_at) AS last_ingest, max(toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time)) AS max_delay_ms
FROM provider_usage
GROUP BY team, hour;

INSERT INTO source_hourly (source, team, hour, events, last_event, last_ingest, max_delay_ms)
SELECT 'idp' AS source, toString(idp) AS team, toStartOfHour(event_time) AS hour, count() AS events, max(event_time) AS last_event,
       max(ingested_at) AS last_ingest, max(toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time)) AS max_delay_ms
FROM idp_events
GROUP BY team, hour;

INSERT INTO source_hourly (source, team, hour, events, last_event, last_ingest, max_delay_ms)
SELECT 'agent' AS source, toString(team_id) AS team, toStartOfHour(event_time) AS hour, count() AS events, max(event_time) AS last_event,
       max(ingested_at) AS last_ingest, max(toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time)) AS max_delay_ms
FROM agent_events
GROUP BY team, hour;

INSERT INTO gateway_console_daily (day, team_id, api_key_id, api_key_alias, user_email, model_served, route, user_agent, tags, mcp_servers, requests, unlogged_prompts, cost_usd)
SELECT toDate(event_time) AS day, team_id, api_key_id, api_key_alias, user_email, model_served, route, user_agent, tags, mcp_servers, count() AS requests,
       countIf(prompt_logged = 0 AND empty(mcp_servers)) AS unlogged_prompts, sum(cost_usd) AS cost_usd
FROM gateway_requests
GROUP BY day, team_id, api_key_id, api_key_alias, user_email, model_served, route, user_agent, tags, mcp_servers;

INSERT INTO agent_tools_daily (day, user_email, team_id, mcp_server, tool_name, results, decisions)
SELECT toDate(event_time) AS day, user_email, team_id, mcp_server, tool_name,
       countIf(event_name = 'tool_result') AS results, countIf(event_name = 'tool_decision') AS decisions
FROM agent_events
WHERE event_name IN ('tool_result', 'tool_decision') AND (tool_name != '' OR mcp_server != '')
GROUP BY day, user_email, team_id, mcp_server, tool_name;

INSERT INTO agent_sessions_daily (day, session_id, events, api_requests, email, otel_team)
SELECT toDate(event_time) AS day, session_id, count() AS events, countIf(event_name = 'api_request') AS api_requests,
       argMaxIfState(user_email, event_time, user_email != '') AS email,
       argMaxIfState(toString(team_id), event_time, team_id != '') AS otel_team
FROM agent_events
WHERE session_id != ''
GROUP BY day, session_id;

INSERT INTO gateway_sessions_daily (day, session_id, gateway, api_key_id, api_key_alias, has_email, requests)
SELECT toDate(event_time) AS day, session_id, gateway, api_key_id, api_key_alias, user_email != '' AS has_email, count() AS requests
FROM gateway_requests
WHERE session_id != ''
GROUP BY day, session_id, gateway, api_key_id, api_key_alias, has_email;
