-- Every message or record that could not be decoded, with where it came from and why.
-- Nothing is dropped: an operator can fix the producer or the decoder and replay from `raw`.
-- ORDER BY (source, reason, rejected_at): the usual question is "what is failing for source X and why".
-- raw holds the message bytes as text (raw_encoding = 'utf8', prompt fields redacted when the JSON
-- parses) or base64 (raw_encoding = 'base64') when the bytes are not valid UTF-8.
-- TTL 90 days: rejects are an operational queue, not an archive.
CREATE TABLE IF NOT EXISTS ingest_rejects
(
    rejected_at      DateTime64(3, 'UTC') DEFAULT now64(3),
    source           LowCardinality(String),
    topic            LowCardinality(String),
    partition        UInt32,
    offset           UInt64,
    record_index     UInt32,
    reason           LowCardinality(String),
    format           LowCardinality(String),
    detail           String,
    raw_encoding     LowCardinality(String),
    raw_bytes        UInt64,
    raw              String CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(rejected_at)
ORDER BY (source, reason, rejected_at, topic, partition, offset, record_index)
TTL toDateTime(rejected_at) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000;
