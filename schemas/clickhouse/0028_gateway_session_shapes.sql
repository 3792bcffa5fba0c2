-- Gateway requests per hour, session and request shape (tags, route, key alias, user agent, key):
-- what cross-source.mcp-task-scope classifies a session by (the task-class rules match those four
-- fields), without reading every request of the day.
--
-- Why: the detector classified the sessions that called a class-scoped MCP server from the raw
-- gateway_requests, and on a busy day nearly every session calls one (github is scoped to coding
-- and review): on the 10 M-request day of bench:detect it read all 10 M rows, 7.4 s of the day's
-- 32 s. A session keeps one or two shapes an hour, so this is about a row per session-hour.
-- The detector reads it when its windows and class tolerance are whole hours (the default: hourly
-- windows, 3,600 s), where an hour's requests all count for the same windows; other tolerances
-- keep reading the raw requests, to the second.
--
-- Same conventions as 0025_console_rollups.sql: SimpleAggregateFunction figures, `hour` =
-- toStartOfHour(event_time), insert deduplication with the source's blocks, no TTL (0013), listed in
-- src/store/rollups.ts; existing rows backfilled at the end, the view first (run migrations before
-- starting consumers).
CREATE TABLE IF NOT EXISTS gateway_session_shapes_hourly
(
    hour          DateTime('UTC'),
    session_id    String,
    tags          Array(LowCardinality(String)),
    route         String,
    api_key_alias String,
    user_agent    String,
    api_key_id    String,
    requests      SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, session_id, tags, route, api_key_alias, user_agent, api_key_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS gateway_session_shapes_hourly_mv TO gateway_session_shapes_hourly AS
SELECT toStartOfHour(event_time) AS hour, session_id, tags, route, api_key_alias, user_agent, api_key_id, count() AS requests
FROM gateway_requests
WHERE session_id != ''
GROUP BY hour, session_id, tags, route, api_key_alias, user_agent, api_key_id;

INSERT INTO gateway_session_shapes_hourly (hour, session_id, tags, route, api_key_alias, user_agent, api_key_id, requests)
SELECT toStartOfHour(event_time) AS hour, session_id, tags, route, api_key_alias, user_agent, api_key_id, count() AS requests
FROM gateway_requests
WHERE session_id != ''
GROUP BY hour, session_id, tags, route, api_key_alias, user_agent, api_key_id;
