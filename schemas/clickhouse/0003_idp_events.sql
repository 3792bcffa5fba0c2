-- Identity-provider events: Okta System Log, Microsoft Entra ID sign-ins.
-- ORDER BY (actor_email, event_time, ...): identity detectors look up one person's history
--   (sign-ins, deactivation) and join on the lower-cased e-mail.
-- PARTITION BY month; TTL 400 days because offboarding can predate the misuse by months.
CREATE TABLE IF NOT EXISTS idp_events
(
    event_time        DateTime64(3, 'UTC'),
    ingested_at       DateTime64(3, 'UTC') DEFAULT now64(3),
    format            LowCardinality(String),
    idp               LowCardinality(String),
    event_id          String,
    event_type        LowCardinality(String),
    actor_id          String,
    actor_email       String,
    actor_type        LowCardinality(String),
    actor_name        String,
    target_user_id    String,
    target_user_email String,
    app_id            String,
    app_name          String,
    outcome           LowCardinality(String),
    outcome_reason    String,
    session_id        String,
    client_ip         String,
    user_agent        String,
    grant_type        LowCardinality(String),
    scopes            Array(String),
    source_topic      LowCardinality(String),
    source_partition  UInt32,
    source_offset     UInt64,
    record_index      UInt32,
    raw               String CODEC(ZSTD(3)) TTL toDateTime(event_time) + INTERVAL 90 DAY
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (actor_email, event_time, source_partition, source_offset, record_index)
TTL toDateTime(event_time) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;
