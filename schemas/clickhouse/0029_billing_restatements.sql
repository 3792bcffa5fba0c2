-- A usage or cost bucket exported again with other figures replaces the earlier export: the newest
-- export of a bucket wins, in the source table and in every roll-up.
--
-- Why: a collector polls the usage and cost APIs, and the current bucket (or one the provider
-- restates, e.g. after a credit) comes back with new figures. Before this migration such an export
-- was a new natural key (0024: a bucket's key includes its figures), stored beside the earlier one,
-- and both were summed: FinOps saw the bucket's spend counted once per poll.
--
-- How (src/ingest/restatements.ts, in the sink, under the table's lock with the natural-key look-up):
-- - bucket_key names the bucket without its figures: provider, kind, format, start, end, every
--   group-by dimension of the result (src/normalize/bucket-key.ts). '' = not a bucket (a Bedrock
--   invocation) or stored before this migration: never superseded.
-- - When a batch brings a bucket whose key is stored under another natural key, the stored export
--   is first written again with sign = -1 (a cancel row, same columns and coordinates): the
--   materialized views below add figures times sign, so every roll-up loses the old export's
--   figures exactly once. Then the stored export and its cancel row are removed from provider_usage
--   with a lightweight DELETE, so the raw table holds only the newest export and its readers need
--   no sign. Then the batch's rows are inserted as usual.
-- - A crash between those steps is completed by the batch's retry: a stored export with its cancel
--   row (sum of sign 0) is deleted, one without is cancelled, the batch's own first attempt (its
--   coordinates) is kept. The cancel insert's deduplication token names the rows it cancels.
--
-- provider_hourly's figures become signed (a part may hold a cancel row alone until merged).
-- `records` is the bucket's current records (sum of sign); `exports` counts every export received,
-- which only grows: the posture's data mark (src/views/posture-days.ts) reads it, so a restated
-- day is computed again. Rows stored before this migration read exports = records.

ALTER TABLE provider_usage ADD COLUMN IF NOT EXISTS bucket_key String AFTER natural_key;
ALTER TABLE provider_usage ADD COLUMN IF NOT EXISTS sign Int8 DEFAULT 1 AFTER bucket_key;

ALTER TABLE provider_hourly
    MODIFY COLUMN uncached_input_tokens SimpleAggregateFunction(sum, Int64),
    MODIFY COLUMN cache_read_tokens SimpleAggregateFunction(sum, Int64),
    MODIFY COLUMN cache_write_tokens SimpleAggregateFunction(sum, Int64),
    MODIFY COLUMN output_tokens SimpleAggregateFunction(sum, Int64),
    MODIFY COLUMN request_count SimpleAggregateFunction(sum, Int64),
    MODIFY COLUMN records SimpleAggregateFunction(sum, Int64);
ALTER TABLE provider_hourly ADD COLUMN IF NOT EXISTS exports SimpleAggregateFunction(sum, UInt64) DEFAULT toUInt64(records) AFTER records;

DROP VIEW IF EXISTS provider_hourly_mv;
CREATE MATERIALIZED VIEW provider_hourly_mv TO provider_hourly AS
SELECT toStartOfHour(event_time) AS hour, provider, kind,
       if(kind = 'invocation' OR dateDiff('second', event_time, bucket_end) <= 3600, 'h', 'd') AS grain,
       api_key_id, workspace_id, account_id, user_email, principal, team_id, model,
       sum(toInt64(uncached_input_tokens) * sign) AS uncached_input_tokens, sum(toInt64(cache_read_tokens) * sign) AS cache_read_tokens,
       sum(toInt64(cache_write_tokens) * sign) AS cache_write_tokens, sum(toInt64(output_tokens) * sign) AS output_tokens,
       sum(toInt64(request_count) * sign) AS request_count,
       sum(cost_usd * sign) AS cost_usd, sum(toInt64(sign)) AS records, countIf(sign > 0) AS exports,
       min(event_time) AS first_at, max(bucket_end) AS last_end,
       min((event_time, source_offset, record_index)) AS first_record
FROM provider_usage
GROUP BY hour, provider, kind, grain, api_key_id, workspace_id, account_id, user_email, principal, team_id, model;

-- Source health counts what arrived: a cancel row is no event.
DROP VIEW IF EXISTS source_hourly_billing_mv;
CREATE MATERIALIZED VIEW source_hourly_billing_mv TO source_hourly AS
SELECT 'billing' AS source, toString(team_id) AS team, toStartOfHour(event_time) AS hour, countIf(sign > 0) AS events, max(event_time) AS last_event,
       max(ingested_at) AS last_ingest, maxIf(toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time), sign > 0) AS max_delay_ms
FROM provider_usage
GROUP BY team, hour;
