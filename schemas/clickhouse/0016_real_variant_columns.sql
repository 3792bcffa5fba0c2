-- Columns for what real records carry and driftwatch used to drop (issue 10, formats.md "Real variants").
--
-- gateway_requests.end_user: LiteLLM's `end_user` names the downstream person a service calls on
--   behalf of (the request's `user` field or the configured user header). The key owner (user_id /
--   user_email) is then the service, so the person exists nowhere else in the row.
--
-- provider_usage.metrics: figures a usage export reports beside tokens and cost that no other
--   column holds. Anthropic's Claude Code analytics (usage_report/claude_code) reports per person
--   and day: sessions, lines added/removed, commits, pull requests, and accepted/rejected edit-tool
--   actions. A map rather than one column each: only that kind fills it, the set of figures grows
--   with the API, and a detector reads a figure with metrics['num_sessions'] without a migration.
--   Empty for every other kind.
--
-- Both are added after existing columns of the same role, so the insert column lists
-- (src/normalize/columns.ts) keep their DDL order. ADD COLUMN is metadata-only: old parts read the
-- default ('' / {}) without a rewrite.

ALTER TABLE gateway_requests ADD COLUMN IF NOT EXISTS end_user String AFTER user_email;

ALTER TABLE provider_usage ADD COLUMN IF NOT EXISTS metrics Map(LowCardinality(String), Float64) AFTER cost_usd;
