-- Boundary crossings of agent sessions (issue 14 part 3): what a tool call touched and how
-- permissions changed, as labels derived at ingest, and the policy rules the four boundary
-- detectors join.
--
-- agent_events: tool_parameters / tool_input stay out of every column and of raw (they hold file
-- contents and commands). src/normalize/tool-labels.ts classifies them in memory and only these
-- labels are stored:
--   secret_labels   names of the secret-path / secret-command patterns that matched (`dotenv-file`,
--                   `aws-credentials`, `vault-read`, `secret-manager-mcp` …), never the matched text
--   repositories    `host/organisation` of git remotes and repository URLs the call reached
--   hosts           host names of other URLs the call reached
--   mcp_tool        the tool inside its MCP server (`mcp__github__create_pr` → `create_pr`)
--   decision_source tool_decision `source` / tool_result `decision_source` (config, user_permanent …)
--   permission_mode permission_mode_changed `to_mode` (bypassPermissions, acceptEdits …)
-- Added after `success`, before the prompt columns, so the insert column list
-- (src/normalize/columns.ts) keeps DDL order. ADD COLUMN is metadata-only: old parts read the
-- defaults ([] / '') without a rewrite.

ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS secret_labels Array(LowCardinality(String)) AFTER success;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS repositories Array(String) AFTER secret_labels;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS hosts Array(String) AFTER repositories;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS mcp_tool String AFTER hosts;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS decision_source LowCardinality(String) AFTER mcp_tool;
ALTER TABLE agent_events ADD COLUMN IF NOT EXISTS permission_mode LowCardinality(String) AFTER decision_source;

-- The agent-boundary rules of the policy (schemas/policy/agent-boundaries.ts), versioned like every
-- policy table (0007_policy.sql), resolved per team: org-wide rules are repeated under each team id
-- (scope 'org') next to the team's own (scope 'team'), and team_id '' holds the org-wide set.
--   rule: expected_repository / expected_host / expected_mcp_server   (what a team is expected to reach)
--         permitted_mode / preapproved_tool                            (central permission settings)
--         class_mcp_server / class_mcp_tool (with class_id)            (MCP scope per task class)
--         approved_path / approved_service / approved_terminal         (entry paths and surfaces)
-- name_pattern is the glob as an anchored RE2 pattern; match it case-insensitively.
CREATE TABLE IF NOT EXISTS policy_agent_rules_all
(
    policy_version String,
    rule           LowCardinality(String),
    team_id        String,
    class_id       String,
    name_glob      String,
    name_pattern   String,
    scope          LowCardinality(String)
)
ENGINE = MergeTree ORDER BY (policy_version, rule, team_id, class_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_agent_rules AS
SELECT * EXCEPT policy_version FROM policy_agent_rules_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);
