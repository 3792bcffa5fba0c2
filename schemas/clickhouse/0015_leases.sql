-- Leases with fencing (src/service/lease.ts): exactly one active detector scheduler and one alert
-- dispatcher even when several replicas run those roles, and one process at a time running
-- migrations (lease `migrations`).
--
-- ClickHouse has no compare-and-set, so a claim is an INSERT that only one claimer can win:
-- the claim for epoch E of lease N carries insert_deduplication_token = 'lease:N:E', and the table
-- keeps a deduplication log (non_replicated_deduplication_window; ReplicatedMergeTree does the same
-- through Keeper). Two replicas that both saw epoch E-1 expire both insert a claim for E; the engine
-- stores the first and silently drops the second, because its token is already in the log. Each
-- claimer then reads back (the "settle read") which holder epoch E names: only one of them sees
-- itself. The winner read is deterministic for every reader — the highest epoch, and if two rows
-- ever shared it (a claim whose token had left the 1,000-block window), the smallest holder — so
-- no two replicas can both believe they hold the lease.
--
-- Renewals are inserts for the same (name, epoch, holder) with a later expires_at and a unique
-- token; a release is one more with expires_at in the past. ReplacingMergeTree(renewed_at) ORDER BY
-- (name, epoch, holder) collapses them; the reader also takes argMax(expires_at, renewed_at) so it
-- never depends on merges. The epoch is the fencing token: a scheduler checks that the lease still
-- names it with its epoch, a third of the TTL still left, before it stores alerts and moves a
-- watermark, so a replica that stalled past its expiry and lost the lease stops before writing
-- anything.
--
-- No TTL: rows are a few bytes per renewal, collapse on merge, and epochs must never go backwards
-- (a deleted history would restart epochs at 1, whose claim token may still be in the log).
-- Also created before migrating (src/store/migrate.ts takes the `migrations` lease first); IF NOT
-- EXISTS keeps this file a no-op then.
CREATE TABLE IF NOT EXISTS leases
(
    name       LowCardinality(String),
    epoch      UInt64,
    holder     String,
    expires_at DateTime64(3, 'UTC'),
    renewed_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(renewed_at)
ORDER BY (name, epoch, holder)
SETTINGS non_replicated_deduplication_window = 1000;
