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
