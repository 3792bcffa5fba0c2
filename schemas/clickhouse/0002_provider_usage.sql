-- Provider-side usage and cost: OpenAI usage/costs buckets, Anthropic usage_report/cost_report buckets,
-- AWS Bedrock invocation logs. One row per bucket result (or per Bedrock invocation).
-- ORDER BY (provider, api_key_id, event_time, ...): the gateway-vs-bill ledger and the unmanaged-key
--   detector group by provider credential and hour; source coordinates keep the key unique per record.
-- PARTITION BY month and TTL 400 days: billing is reconciled against yearly invoices.
-- The raw record is kept 90 days as evidence (largest column).
CREATE TABLE IF NOT EXISTS provider_usage
(
    event_time            DateTime64(3, 'UTC'),
    bucket_end            DateTime64(3, 'UTC'),
    ingested_at           DateTime64(3, 'UTC') DEFAULT now64(3),
    format                LowCardinality(String),
    provider              LowCardinality(String),
    kind                  LowCardinality(String),
    api_key_id            String,
    workspace_id          String,
    account_id            String,
    user_email            String,
    principal             String,
    team_id               LowCardinality(String),
    session_id            String,
    request_id            String,
    model                 LowCardinality(String),
    service_tier          LowCardinality(String),
    line_item             String,
    uncached_input_tokens UInt64,
    cache_read_tokens     UInt64,
    cache_write_tokens    UInt64,
    output_tokens         UInt64,
    request_count         UInt64,
    cost_usd              Float64,
    prompt_logged         UInt8,
    source_topic          LowCardinality(String),
    source_partition      UInt32,
    source_offset         UInt64,
    record_index          UInt32,
    raw                   String CODEC(ZSTD(3)) TTL toDateTime(event_time) + INTERVAL 90 DAY
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (provider, api_key_id, event_time, source_partition, source_offset, record_index)
TTL toDateTime(event_time) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;
