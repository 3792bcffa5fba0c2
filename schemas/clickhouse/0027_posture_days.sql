-- The governance posture's figures per UTC day, kept once computed (src/views/posture-days.ts), so a
-- period's report merges a few hundred rows per day instead of judging every session, request and
-- tool use of the period again on each request.
--
-- Why: the posture read the console roll-ups of 0025 for the whole period on every request: five
-- queries, ~360 ms p50 / 504 ms p95 for one 10 M-request day (bench:api), and a week of such days
-- costs seven times that. A closed day's figures do not change unless data for it arrives late, so
-- they are computed once per (day, policy version, data mark) and read back.
--
-- - data_mark: the day's totals in every roll-up the figures read (posture-days.ts). They only grow
--   as rows arrive (merges keep them), so an unchanged mark means no row arrived for the day since
--   the figures were computed, and a late row makes the day stale.
-- - part 'day' is the day's marker, written even for a day without data; the other parts are the
--   figures (posture-days.ts names their columns). A report reads a day's rows only where their
--   data_mark equals the marker's, so rows of two computations of one day are never mixed.
-- - sessions / via: uniqExact states of session ids, so a session seen on several days is counted
--   once over the period, as before.
-- - ReplacingMergeTree on computed_at (the time the mark was read): a newer computation of a day
--   replaces the older one's rows on merge; FINAL at read. Figures are derived data: rows not
--   refreshed for 90 days expire and are computed again on demand.
CREATE TABLE IF NOT EXISTS posture_days
(
    day            Date,
    policy_version String,
    data_mark      String,
    computed_at    DateTime64(3, 'UTC'),
    part           LowCardinality(String),
    team           String,
    subject        String,
    item           String,
    detail         String,
    n1             Float64,
    n2             Float64,
    flag           UInt8,
    sessions       AggregateFunction(uniqExact, String),
    via            AggregateFunction(uniqExact, String)
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(day)
ORDER BY (day, policy_version, part, team, subject, item, detail)
TTL toDateTime(computed_at) + INTERVAL 90 DAY;
