-- Roll-ups of what gateway.prompt-log-gap judges: prompt logging and ingest delay per hour.
--
-- Why: whether a request was stored with its prompt / response and how late its log reached
-- driftwatch (ingested_at − event_time) are in none of 0010's roll-ups, so the detector read every
-- gateway request of the day, twice (31.5 M rows for a 10 M-request day, the slowest gateway detector).
--
-- The late-log threshold is not known at ingest: it is the window's pipeline delay (the lowest
-- per-log-team MEDIAN delay of the hour, over all teams) plus a detector parameter. So the roll-ups
-- keep what makes that exact at read time, for any parameter:
--   * gateway_delays_hourly: the delay distribution per hour and log team, one row per distinct
--     delay in ms (a histogram): the exact median (quantileExact semantics), and which hours and log
--     teams have a request beyond the threshold at all — only their raw requests are read to count
--     late requests per key and person (none on a normal day).
--   * gateway_logging_hourly: per hour, team, key, person and gateway the request and prompt-logging
--     counts and the longest delay.
-- Same conventions as 0010_rollups.sql: SimpleAggregateFunction figures re-aggregated by the reader
-- with the same function, `hour` = toStartOfHour(event_time) (the runtime's windows are whole
-- hours), samples as pointers into gateway_requests, PARTITION BY month and TTL 400 days like the
-- source, and insert deduplication with the source's blocks (inserts set
-- deduplicate_blocks_in_dependent_materialized_views, src/store/store.ts, and each roll-up keeps a
-- deduplication window), so a retried batch is counted once. The list of roll-ups per source table
-- is src/store/rollups.ts.
-- Existing rows are backfilled at the end of this file (views first, as in 0010: run migrations
-- before starting consumers).

-- Gateway requests per hour and (team, key, person, gateway): the prompt-logging counts, the window's
-- volume for the baseline, and the longest ingest delay. ORDER BY (hour, …): a window is one
-- contiguous range; the grouping keys follow in the order the detector groups by. About a third of
-- gateway_hourly's rows (no model, route or client dimensions).
CREATE TABLE IF NOT EXISTS gateway_logging_hourly
(
    hour               DateTime('UTC'),
    team_id            LowCardinality(String),
    api_key_id         String,
    user_email         String,
    gateway            LowCardinality(String),
    requests           SimpleAggregateFunction(sum, UInt64),
    -- Model requests: MCP tool calls (mcp_servers not empty) carry no prompt and are not judged.
    model_requests     SimpleAggregateFunction(sum, UInt64),
    unlogged_prompts   SimpleAggregateFunction(sum, UInt64),
    unlogged_responses SimpleAggregateFunction(sum, UInt64),
    -- ingested_at − event_time in ms, the longest: whether the group can hold a late request at all.
    max_delay_ms       SimpleAggregateFunction(max, Int64),
    first_at           SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_at            SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    -- (event_time, alias) of the earliest request with a key alias, (2299-12-31, '') without one:
    -- the key's name as a window alone would pick it (earliest, then smallest alias).
    first_alias        SimpleAggregateFunction(min, Tuple(DateTime64(3, 'UTC'), String)),
    -- (event_time, request_id) of the three earliest model requests without a prompt: sample pointers
    -- (a state, not a plain value: a top-3 has no SimpleAggregateFunction; read with groupArraySortedMerge(3)).
    unlogged_first     AggregateFunction(groupArraySorted(3), Tuple(DateTime64(3, 'UTC'), String))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, team_id, api_key_id, user_email, gateway)
TTL hour + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS gateway_logging_hourly_mv TO gateway_logging_hourly AS
SELECT toStartOfHour(event_time) AS hour, team_id, api_key_id, user_email, gateway,
       count() AS requests, countIf(empty(mcp_servers)) AS model_requests,
       countIf(prompt_logged = 0 AND empty(mcp_servers)) AS unlogged_prompts,
       countIf(response_logged = 0 AND empty(mcp_servers)) AS unlogged_responses,
       max(toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time)) AS max_delay_ms,
       min(event_time) AS first_at, max(event_time) AS last_at,
       min(if(api_key_alias != '', (event_time, api_key_alias), (toDateTime64('2299-12-31 00:00:00', 3, 'UTC'), ''))) AS first_alias,
       groupArraySortedStateIf(3)((event_time, request_id), prompt_logged = 0 AND empty(mcp_servers)) AS unlogged_first
FROM gateway_requests
GROUP BY hour, team_id, api_key_id, user_email, gateway;

-- Ingest delay histogram per hour and log team (team_id as logged): one row per distinct delay in ms,
-- so the median is exact (a sketch would move the late-log threshold). ORDER BY (hour, team_id,
-- delay_ms): a window is one range, already in the order the median walks it.
CREATE TABLE IF NOT EXISTS gateway_delays_hourly
(
    hour     DateTime('UTC'),
    team_id  LowCardinality(String),
    delay_ms Int64,
    requests SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, team_id, delay_ms)
TTL hour + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS gateway_delays_hourly_mv TO gateway_delays_hourly AS
SELECT toStartOfHour(event_time) AS hour, team_id,
       toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time) AS delay_ms, count() AS requests
FROM gateway_requests
GROUP BY hour, team_id, delay_ms;

-- Backfill what was ingested before this migration (no-op on a new store).
INSERT INTO gateway_logging_hourly
SELECT toStartOfHour(event_time) AS hour, team_id, api_key_id, user_email, gateway,
       count() AS requests, countIf(empty(mcp_servers)) AS model_requests,
       countIf(prompt_logged = 0 AND empty(mcp_servers)) AS unlogged_prompts,
       countIf(response_logged = 0 AND empty(mcp_servers)) AS unlogged_responses,
       max(toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time)) AS max_delay_ms,
       min(event_time) AS first_at, max(event_time) AS last_at,
       min(if(api_key_alias != '', (event_time, api_key_alias), (toDateTime64('2299-12-31 00:00:00', 3, 'UTC'), ''))) AS first_alias,
       groupArraySortedStateIf(3)((event_time, request_id), prompt_logged = 0 AND empty(mcp_servers)) AS unlogged_first
FROM gateway_requests
GROUP BY hour, team_id, api_key_id, user_email, gateway;

INSERT INTO gateway_delays_hourly
SELECT toStartOfHour(event_time) AS hour, team_id,
       toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time) AS delay_ms, count() AS requests
FROM gateway_requests
GROUP BY hour, team_id, delay_ms;
