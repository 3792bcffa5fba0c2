-- Agent telemetry: Claude Code OpenTelemetry events (OTLP/JSON log records, or flattened records).
-- ORDER BY (session_id, event_time, ...): session-centric detectors (bypass, identity switch,
--   ownerless session) read one session's events together.
-- PARTITION BY month; TTL 400 days, raw evidence 90 days.
CREATE TABLE IF NOT EXISTS agent_events
(
    event_time            DateTime64(3, 'UTC'),
    ingested_at           DateTime64(3, 'UTC') DEFAULT now64(3),
    format                LowCardinality(String),
    event_name            LowCardinality(String),
    session_id            String,
    prompt_id             String,
    event_sequence        UInt64,
    user_id               String,
    user_email            String,
    account_id            String,
    account_uuid          String,
    organization_id       String,
    team_id               LowCardinality(String),
    service_name          LowCardinality(String),
    service_version       LowCardinality(String),
    terminal_type         LowCardinality(String),
    model                 LowCardinality(String),
    request_id            String,
    client_request_id     String,
    uncached_input_tokens UInt64,
    cache_read_tokens     UInt64,
    cache_write_tokens    UInt64,
    output_tokens         UInt64,
    cost_usd              Float64,
    duration_ms           UInt32,
    tool_name             String,
    mcp_server            String,
    tool_source           LowCardinality(String),
    decision              LowCardinality(String),
    success               LowCardinality(String),
    prompt_logged         UInt8,
    prompt_bytes          UInt32,
    prompt_sha256         String,
    prompt_text           String,
    attributes            Map(String, String),
    source_topic          LowCardinality(String),
    source_partition      UInt32,
    source_offset         UInt64,
    record_index          UInt32,
    raw                   String CODEC(ZSTD(3)) TTL toDateTime(event_time) + INTERVAL 90 DAY
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (session_id, event_time, source_partition, source_offset, record_index)
TTL toDateTime(event_time) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;
