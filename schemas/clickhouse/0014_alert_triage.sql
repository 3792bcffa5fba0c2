-- Alert triage, history and delivery outbox (src/alerts/).
--
-- alert_triage: the analyst-facing state of an alert, kept apart from `alerts` so that a status
-- change never rewrites the evidence row detectors own. ReplacingMergeTree(rev) ORDER BY alert_id:
-- rev is the previous rev + 1, so two changes in the same millisecond still order correctly
-- (updated_at alone could tie). Readers use FINAL; triage rows are few.
-- occurrences / last_fired: repeated firings grouped into this alert (same fingerprint or same
-- detector + entity inside the suppression window). grouped_into: the alert a duplicate was folded
-- into. exception_*: the approved policy exception that suppressed it.
CREATE TABLE IF NOT EXISTS alert_triage
(
    alert_id        String,
    fingerprint     String,
    status          LowCardinality(String),
    reason          String,
    actor           String,
    assignee        String,
    snoozed_until   Nullable(DateTime64(3, 'UTC')),
    resolved_at     Nullable(DateTime64(3, 'UTC')),
    occurrences     UInt32,
    last_fired      DateTime64(3, 'UTC'),
    grouped_into    String,
    exception_id    String,
    rev             UInt64,
    updated_at      DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(rev)
ORDER BY alert_id;

-- Every triage action and comment, append-only: who, when, what, from → to. ORDER BY alert_id
-- first: history is always read per alert; seq orders events of the same millisecond.
CREATE TABLE IF NOT EXISTS alert_events
(
    alert_id    String,
    at          DateTime64(3, 'UTC'),
    seq         UInt64,
    actor       String,
    action      LowCardinality(String),
    from_status LowCardinality(String),
    to_status   LowCardinality(String),
    comment     String
)
ENGINE = MergeTree
ORDER BY (alert_id, at, seq);

-- The outbox: one logical row per (fingerprint, destination, kind = trigger|resolve). The state
-- lives here, not in the dispatcher's memory, so a restart loses nothing. ReplacingMergeTree(rev)
-- as above; the dispatcher reads due rows with FINAL.
CREATE TABLE IF NOT EXISTS alert_deliveries
(
    alert_id        String,
    fingerprint     String,
    destination     LowCardinality(String),
    kind            LowCardinality(String),
    state           LowCardinality(String),
    attempts        UInt32,
    last_error      String,
    next_attempt_at DateTime64(3, 'UTC'),
    created_at      DateTime64(3, 'UTC'),
    delivered_at    Nullable(DateTime64(3, 'UTC')),
    rev             UInt64,
    updated_at      DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(rev)
ORDER BY (fingerprint, destination, kind);

-- Every delivery attempt, append-only (what happened at 03:12 when PagerDuty was down).
CREATE TABLE IF NOT EXISTS alert_delivery_attempts
(
    fingerprint String,
    destination LowCardinality(String),
    kind        LowCardinality(String),
    attempt     UInt32,
    at          DateTime64(3, 'UTC'),
    ok          Bool,
    error       String
)
ENGINE = MergeTree
ORDER BY (fingerprint, destination, kind, attempt);
