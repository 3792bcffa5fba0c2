-- Session lookups that read only the granules holding the session (the session trail,
-- GET /api/sessions/{id} and `driftwatch session`).
--
-- provider_usage is ordered by (provider, api_key_id, event_time): the trail's `session_id = X`
-- has no key to use and read every granule of the table (95 of 95 on the 1 M-request day of
-- bench:api, ten times that on a 10 M day). Most billing rows carry no session at all (usage
-- buckets), the rest a few per session, so a bloom filter per 1,024-row granule skips nearly all
-- of them: EXPLAIN indexes = 1 shows the granules left.
-- gateway_sessions_hourly is ordered by (hour, session_id, …); the trail looks a session up
-- without its hours (it is how they are found), so only the second key column helps, and only
-- inside one hour. The same filter skips the other hours' granules.
-- A skip index is chosen over a projection ordered by session_id: it costs one small file per
-- part instead of a second sorted copy of the table, and projections on an AggregatingMergeTree
-- need deduplicate_merge_projection_mode. MATERIALIZE builds it for existing parts (a mutation,
-- in the background); new parts get it as they are written.

ALTER TABLE provider_usage ADD INDEX IF NOT EXISTS idx_session_id session_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE provider_usage MATERIALIZE INDEX idx_session_id;

ALTER TABLE gateway_sessions_hourly ADD INDEX IF NOT EXISTS idx_session_id session_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE gateway_sessions_hourly MATERIALIZE INDEX idx_session_id;
