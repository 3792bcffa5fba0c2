-- Retention counted from when driftwatch stored a row (ingested_at), not from when it happened.
--
-- Why: until now the source tables expired rows 400 days after event_time and their raw record 90
-- days after it, and ClickHouse applies a TTL as a part is written. A backfill of last year's
-- billing exports, a replay of an old incident, or a detector fixture dated a few months back was
-- counted as accepted and then silently not stored (or stored without its evidence). Nothing may
-- be accepted and lost, so age is now measured from ingested_at: history an operator replays is
-- kept for the same 400 days (raw evidence 90 days) as live traffic.
--
-- Roll-ups (0010, 0011) carry no ingest time, and a TTL on their event hour would drop a
-- backfill's aggregates on insert while its source rows are kept, so detectors reading roll-ups
-- would miss it. Their TTL is removed: they hold a few rows per team-hour, and old months are
-- dropped whole with ALTER TABLE … DROP PARTITION when an operator decides so.
--
-- MODIFY TTL rewrites parts to evaluate the new rule; on existing data it is a one-time cost.

ALTER TABLE gateway_requests MODIFY COLUMN raw String CODEC(ZSTD(3)) TTL toDateTime(ingested_at) + INTERVAL 90 DAY;
ALTER TABLE gateway_requests MODIFY TTL toDateTime(ingested_at) + INTERVAL 400 DAY;

ALTER TABLE provider_usage MODIFY COLUMN raw String CODEC(ZSTD(3)) TTL toDateTime(ingested_at) + INTERVAL 90 DAY;
ALTER TABLE provider_usage MODIFY TTL toDateTime(ingested_at) + INTERVAL 400 DAY;

ALTER TABLE idp_events MODIFY COLUMN raw String CODEC(ZSTD(3)) TTL toDateTime(ingested_at) + INTERVAL 90 DAY;
ALTER TABLE idp_events MODIFY TTL toDateTime(ingested_at) + INTERVAL 400 DAY;

ALTER TABLE agent_events MODIFY COLUMN raw String CODEC(ZSTD(3)) TTL toDateTime(ingested_at) + INTERVAL 90 DAY;
ALTER TABLE agent_events MODIFY TTL toDateTime(ingested_at) + INTERVAL 400 DAY;

ALTER TABLE gateway_hourly REMOVE TTL;
ALTER TABLE gateway_sessions_hourly REMOVE TTL;
ALTER TABLE gateway_daily REMOVE TTL;
ALTER TABLE agent_hourly REMOVE TTL;
ALTER TABLE agent_tools_hourly REMOVE TTL;
ALTER TABLE agent_tool_calls REMOVE TTL;
ALTER TABLE agent_accounts REMOVE TTL;
ALTER TABLE provider_hourly REMOVE TTL;
ALTER TABLE gateway_logging_hourly REMOVE TTL;
ALTER TABLE gateway_delays_hourly REMOVE TTL;

-- The scheduler's run log and the alerts had the same trap: their TTLs counted from evaluated_at
-- and last_seen, which are the detection run's "now" — a backtest or `detect --at` over last
-- year's windows wrote rows that were already expired. They now expire from the wall-clock time
-- the row was written (recorded_at, filled by the server).
ALTER TABLE detector_runs ADD COLUMN IF NOT EXISTS recorded_at DateTime('UTC') DEFAULT now();
ALTER TABLE detector_runs MODIFY TTL recorded_at + INTERVAL 30 DAY;

ALTER TABLE alerts ADD COLUMN IF NOT EXISTS recorded_at DateTime('UTC') DEFAULT now();
ALTER TABLE alerts MODIFY TTL recorded_at + INTERVAL 730 DAY;
