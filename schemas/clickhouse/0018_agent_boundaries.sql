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

-- Roll-ups for the boundary detectors (conventions of 0010_rollups.sql: ordered by time so a window
-- is a contiguous range, deduplication window like the source, backfilled once below; listed in
-- src/store/rollups.ts). agent_events is ordered by session, so a window's events of one kind are
-- spread over every granule of the month; these keep the few rows the detectors judge.
--
-- agent_boundary_events: a narrow copy of the tool and permission events that carry something a
-- boundary detector judges — a label, an MCP server, a new permission mode, or a tool approval from
-- a source other than a one-off user answer or a hook (agent.data-boundary,
-- agent.local-permission-expansion, cross-source.mcp-task-scope). The ordinary built-in tool calls,
-- most of the tool events, are not copied.
CREATE TABLE IF NOT EXISTS agent_boundary_events
(
    event_time      DateTime64(3, 'UTC'),
    session_id      String,
    event_name      LowCardinality(String),
    call_id         String,
    user_email      String,
    user_id         String,
    team_id         LowCardinality(String),
    tool_name       String,
    mcp_server      String,
    decision        LowCardinality(String),
    decision_source LowCardinality(String),
    permission_mode LowCardinality(String),
    mode_trigger    LowCardinality(String),
    secret_labels   Array(LowCardinality(String)),
    repositories    Array(String),
    hosts           Array(String)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (event_time, session_id)
TTL toDateTime(event_time) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_boundary_events_mv TO agent_boundary_events AS
SELECT event_time, session_id, event_name,
       if(attributes['tool_use_id'] != '', attributes['tool_use_id'], concat(session_id, '#', toString(event_sequence))) AS call_id,
       user_email, user_id, team_id, tool_name, mcp_server, decision, decision_source, permission_mode, attributes['trigger'] AS mode_trigger,
       secret_labels, repositories, hosts
FROM agent_events
WHERE (event_name IN ('tool_result', 'tool_decision')
       AND (notEmpty(secret_labels) OR notEmpty(repositories) OR notEmpty(hosts) OR mcp_server != ''
            OR (event_name = 'tool_decision' AND decision_source NOT IN ('', 'user_temporary', 'user_reject', 'user_abort', 'hook'))))
   OR (event_name = 'permission_mode_changed' AND permission_mode != '');

-- agent_paths_hourly: model requests per hour, session and surface (cross-source.entry-path-drift
-- reads a week of a team's history every hour). first_party: the request carried a client_request_id,
-- which Claude Code sends on first-party API connections only (not to Bedrock/Vertex/Foundry).
CREATE TABLE IF NOT EXISTS agent_paths_hourly
(
    hour          DateTime('UTC'),
    team_id       LowCardinality(String),
    session_id    String,
    user_email    String,
    account_id    String,
    service_name  LowCardinality(String),
    terminal_type LowCardinality(String),
    first_party   UInt8,
    requests      SimpleAggregateFunction(sum, UInt64),
    first_at      SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, team_id, session_id, user_email, account_id, service_name, terminal_type, first_party)
TTL hour + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_paths_hourly_mv TO agent_paths_hourly AS
SELECT toStartOfHour(event_time) AS hour, team_id, session_id, user_email, account_id, service_name, terminal_type,
       toUInt8(client_request_id != '') AS first_party, count() AS requests, min(event_time) AS first_at
FROM agent_events
WHERE event_name = 'api_request'
GROUP BY hour, team_id, session_id, user_email, account_id, service_name, terminal_type, first_party;

-- Backfill (rows stored before this migration carry no labels; their requests and MCP calls count).
INSERT INTO agent_boundary_events
SELECT event_time, session_id, event_name,
       if(attributes['tool_use_id'] != '', attributes['tool_use_id'], concat(session_id, '#', toString(event_sequence))) AS call_id,
       user_email, user_id, team_id, tool_name, mcp_server, decision, decision_source, permission_mode, attributes['trigger'] AS mode_trigger,
       secret_labels, repositories, hosts
FROM agent_events
WHERE (event_name IN ('tool_result', 'tool_decision')
       AND (notEmpty(secret_labels) OR notEmpty(repositories) OR notEmpty(hosts) OR mcp_server != ''
            OR (event_name = 'tool_decision' AND decision_source NOT IN ('', 'user_temporary', 'user_reject', 'user_abort', 'hook'))))
   OR (event_name = 'permission_mode_changed' AND permission_mode != '');

INSERT INTO agent_paths_hourly
SELECT toStartOfHour(event_time) AS hour, team_id, session_id, user_email, account_id, service_name, terminal_type,
       toUInt8(client_request_id != '') AS first_party, count() AS requests, min(event_time) AS first_at
FROM agent_events
WHERE event_name = 'api_request'
GROUP BY hour, team_id, session_id, user_email, account_id, service_name, terminal_type, first_party;
