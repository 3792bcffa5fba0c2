-- Source tables in granules of 1,024 rows (ClickHouse's default is 8,192 rows or 10 MiB, which for
-- these rows of ~1-2 KB — the raw record is most of it — came to ~5,000 rows per granule).
--
-- Why: ClickHouse reads a column granule by granule, so every sample a detector puts in an alert's
-- evidence costs the decompression of a whole granule of `raw`: ~5 MB for one record. A day of
-- detection at 10 M gateway requests decompressed 7.4 GB for ~300 alerts' samples; with 1,024-row
-- granules it is 4.7 GB and the day runs ~0.8 s faster (bench:detect). Scans of the narrow columns
-- do not suffer (same bytes, more marks), inserts write a mark every 1,024 rows instead of ~5,000,
-- and the primary index grows to ~40 bytes per 1,024 rows (≈ 160 MB for 400 days at 10 M
-- requests a day).
--
-- index_granularity is fixed when a table is created, so each table is rebuilt: copied into a
-- table with the new setting, then EXCHANGEd with it (atomic; materialized views follow the name,
-- so the roll-ups of 0010/0011 keep being fed by the rebuilt table), then the old one is dropped.
-- Every step can be re-run after a crash: a leftover *_rebuild table is dropped and the copy made
-- again. The copy takes about a minute per 10 M rows: a one-time cost, logged as this migration.
-- The copy bypasses the views (nothing is inserted into gateway_requests itself), so roll-ups are
-- not counted twice; insert_deduplicate = 0 so that no block of the copy is mistaken for a
-- duplicate of another.
--
-- Upgrade note: the rebuilt tables start with an empty insert-deduplication log. Stop ingest
-- cleanly (SIGTERM: it flushes and commits) before upgrading to this migration; a batch that a
-- crash left written but uncommitted would otherwise be written again when the ledger (0006)
-- re-forms it, since its deduplication token is no longer remembered.

DROP TABLE IF EXISTS gateway_requests_rebuild;

CREATE TABLE gateway_requests_rebuild AS gateway_requests
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (team_id, event_time, source_partition, source_offset, record_index)
TTL toDateTime(event_time) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 1024;

INSERT INTO gateway_requests_rebuild SELECT * FROM gateway_requests
SETTINGS insert_deduplicate = 0, insert_deduplication_token = '';

EXCHANGE TABLES gateway_requests AND gateway_requests_rebuild;

DROP TABLE gateway_requests_rebuild;

DROP TABLE IF EXISTS provider_usage_rebuild;

CREATE TABLE provider_usage_rebuild AS provider_usage
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (provider, api_key_id, event_time, source_partition, source_offset, record_index)
TTL toDateTime(event_time) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 1024;

INSERT INTO provider_usage_rebuild SELECT * FROM provider_usage
SETTINGS insert_deduplicate = 0, insert_deduplication_token = '';

EXCHANGE TABLES provider_usage AND provider_usage_rebuild;

DROP TABLE provider_usage_rebuild;

DROP TABLE IF EXISTS idp_events_rebuild;

CREATE TABLE idp_events_rebuild AS idp_events
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (actor_email, event_time, source_partition, source_offset, record_index)
TTL toDateTime(event_time) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 1024;

INSERT INTO idp_events_rebuild SELECT * FROM idp_events
SETTINGS insert_deduplicate = 0, insert_deduplication_token = '';

EXCHANGE TABLES idp_events AND idp_events_rebuild;

DROP TABLE idp_events_rebuild;

DROP TABLE IF EXISTS agent_events_rebuild;

CREATE TABLE agent_events_rebuild AS agent_events
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (session_id, event_time, source_partition, source_offset, record_index)
TTL toDateTime(event_time) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 1024;

INSERT INTO agent_events_rebuild SELECT * FROM agent_events
SETTINGS insert_deduplicate = 0, insert_deduplication_token = '';

EXCHANGE TABLES agent_events AND agent_events_rebuild;

DROP TABLE agent_events_rebuild;
