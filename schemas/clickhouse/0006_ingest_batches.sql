-- The consumer's write-ahead ledger: one row per flushed batch, written BEFORE the batch's data
-- inserts. After a crash the consumer re-forms its first batches with exactly these offset ranges,
-- so the data inserts carry the same insert_deduplication_token and ClickHouse drops the parts it
-- already has (see src/ingest/batch-ledger.ts). ReplacingMergeTree + FINAL on read: a repeated
-- ledger row for the same range is harmless.
-- TTL 30 days: only ranges past the committed Kafka offset matter, and those are minutes old.
CREATE TABLE IF NOT EXISTS ingest_batches
(
    topic        LowCardinality(String),
    partition    UInt32,
    first_offset UInt64,
    last_offset  UInt64,
    written_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (topic, partition, first_offset)
TTL toDateTime(written_at) + INTERVAL 30 DAY;
