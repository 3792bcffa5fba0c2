-- Scheduler state (src/detect/state.ts).
-- detector_watermarks: per detector, the end of the last window evaluated in order; the next run
-- covers [watermark, now - settle) window by window, so nothing is missed or evaluated twice and a
-- restarted process catches up from here. ReplacingMergeTree(updated_at) ORDER BY detector: one
-- logical row per detector, read with FINAL.
CREATE TABLE IF NOT EXISTS detector_watermarks
(
    detector   LowCardinality(String),
    watermark  DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY detector;

-- detector_runs: the latest evaluation of each window, with how far each source it reads had been
-- ingested for that window (max ingested_at) at the time. When a source's mark has moved since
-- (late billing, a replayed backlog), the window is evaluated again; fingerprints keep that
-- idempotent. Also the run log (duration, rows, alerts). ReplacingMergeTree(evaluated_at) ORDER BY
-- (detector, window_end): one row per window, newest evaluation wins.
-- TTL 30 days: only windows inside a detector's recheck horizon (hours to days) are consulted.
CREATE TABLE IF NOT EXISTS detector_runs
(
    detector     LowCardinality(String),
    window_start DateTime64(3, 'UTC'),
    window_end   DateTime64(3, 'UTC'),
    evaluated_at DateTime64(3, 'UTC'),
    trigger      LowCardinality(String),
    source_marks Map(LowCardinality(String), DateTime64(3, 'UTC')),
    rows         UInt64,
    alerts       UInt32,
    new_alerts   UInt32,
    duration_ms  UInt32
)
ENGINE = ReplacingMergeTree(evaluated_at)
ORDER BY (detector, window_end)
TTL toDateTime(evaluated_at) + INTERVAL 30 DAY;
