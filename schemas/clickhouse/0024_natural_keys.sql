-- The natural key of each record (src/normalize/natural-key.ts), so that the same record produced
-- again at a new Kafka offset — a producer's retry, a collector re-sending a page, hours later or
-- on another partition — is stored once, and the roll-ups its materialized views feed count it once.
--
-- Why a column and a look-up before insert, not ReplacingMergeTree: the roll-ups (0010, 0011,
-- 0018) are fed by materialized views at insert, so a duplicate must never reach the source table:
-- a ReplacingMergeTree would collapse it in the source table only, at some later merge, after the
-- views had counted it. The sink (src/ingest/natural-key-filter.ts) looks a batch's keys up in the
-- table it is about to write, by the ORDER BY prefix every table already has — (team_id,
-- event_time), (provider, api_key_id, event_time), (actor_email, event_time), (session_id,
-- event_time) — which a re-sent record repeats exactly: a primary-key read of a few granules, at
-- any age. The stored rows are the memory of seen keys: nothing lives only in the process, and the
-- horizon is the table's retention (400 days from ingest). '' = no key: stored, not deduplicated.
--
-- Added after record_index (before raw), so the insert column list (src/normalize/columns.ts)
-- keeps DDL order. ADD COLUMN is metadata-only: rows stored before this migration read '' and are
-- not found by the look-up (a record stored before the upgrade and re-sent after it is stored again).
-- provider_keys has no key: each inventory pull restates every key and readers take the newest row.

ALTER TABLE gateway_requests ADD COLUMN IF NOT EXISTS natural_key String AFTER record_index;
ALTER TABLE provider_usage ADD COLUMN IF NOT EXISTS natural_key String AFTER record_index;
ALTER TABLE idp_events ADD COLUMN IF NOT EXISTS natural_key String AFTER record_index;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS natural_key String AFTER record_index;
