-- One row per LLM request seen by a gateway (LiteLLM SpendLogs / StandardLoggingPayload, Kong AI Gateway).
-- ORDER BY (team_id, event_time, ...): detectors slice by team and time window; the trailing source
--   coordinates make the key unique per record, which keeps part merges deterministic.
-- PARTITION BY month: a day of 10 M requests stays within one partition, and old months drop whole.
-- TTL 400 days: FinOps reconciles against yearly provider invoices; the raw JSON (evidence) is kept
--   for 90 days only, because it is the largest column and alerts older than that are closed.
-- non_replicated_deduplication_window: turns on insert_deduplication_token for this plain MergeTree
--   (the default of 0 silently disables it); the consumer's exactly-once guarantee rests on it.
CREATE TABLE IF NOT EXISTS gateway_requests
(
    event_time            DateTime64(3, 'UTC'),
    ingested_at           DateTime64(3, 'UTC') DEFAULT now64(3),
    format                LowCardinality(String),
    gateway               LowCardinality(String),
    request_id            String,
    session_id            String,
    client_request_id     String,
    api_key_id            String,
    api_key_alias         String,
    user_id               String,
    user_email            String,
    team_id               LowCardinality(String),
    org_id                LowCardinality(String),
    provider              LowCardinality(String),
    model_requested       LowCardinality(String),
    model_served          LowCardinality(String),
    upstream              String,
    route                 String,
    call_type             LowCardinality(String),
    tags                  Array(LowCardinality(String)),
    user_agent            String,
    client_ip             String,
    status                LowCardinality(String),
    uncached_input_tokens UInt64,
    cache_read_tokens     UInt64,
    cache_write_tokens    UInt64,
    output_tokens         UInt64,
    cost_usd              Float64,
    duration_ms           UInt32,
    prompt_logged         UInt8,
    response_logged       UInt8,
    prompt_bytes          UInt32,
    prompt_sha256         String,
    response_bytes        UInt32,
    response_sha256       String,
    prompt_text           String,
    response_text         String,
    tool_names            Array(String),
    mcp_servers           Array(String),
    source_topic          LowCardinality(String),
    source_partition      UInt32,
    source_offset         UInt64,
    record_index          UInt32,
    raw                   String CODEC(ZSTD(3)) TTL toDateTime(event_time) + INTERVAL 90 DAY
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (team_id, event_time, source_partition, source_offset, record_index)
TTL toDateTime(event_time) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;
