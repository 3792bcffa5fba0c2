-- Alerts raised by detectors (src/detect/alerts.ts). One logical row per fingerprint =
-- sha256(detector, entity, incident window), so a re-run, a catch-up after downtime or a late-data
-- re-evaluation of the same incident updates the alert instead of raising it again.
-- ReplacingMergeTree(updated_at) ORDER BY fingerprint: the newest version of an alert wins at merge
-- time; readers use FINAL (alerts are few, FINAL is cheap). updated_at, not last_seen, is the
-- version so that a status change by an analyst (which does not touch last_seen) also wins.
-- PARTITION BY month of the incident window: stable per fingerprint (it is part of it), which
-- ReplacingMergeTree needs, since it only replaces within a partition.
-- evidence: JSON text {figures, samples}, secrets and prompt text redacted before insert.
-- TTL two years after the last sighting: audits of AI governance look back a year or more.
CREATE TABLE IF NOT EXISTS alerts
(
    id             String,
    fingerprint    String,
    detector       LowCardinality(String),
    title          String,
    severity       LowCardinality(String),
    audience       LowCardinality(String),
    team           String,
    identity       String,
    credential     String,
    entity         String,
    window_start   DateTime64(3, 'UTC'),
    window_end     DateTime64(3, 'UTC'),
    summary        String,
    evidence       String CODEC(ZSTD(3)),
    impact_usd     Nullable(Float64),
    owasp_agentic  Array(LowCardinality(String)),
    maestro        Array(LowCardinality(String)),
    nist_ai_rmf    Array(LowCardinality(String)),
    nist_csf       Array(LowCardinality(String)),
    policy_version String,
    first_seen     DateTime64(3, 'UTC'),
    last_seen      DateTime64(3, 'UTC'),
    status         LowCardinality(String),
    updated_at     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
PARTITION BY toYYYYMM(window_start)
ORDER BY fingerprint
TTL toDateTime(last_seen) + INTERVAL 730 DAY;
