-- The approved-usage policy (schemas/policy/policy.ts) as tables detectors JOIN in SQL.
--
-- Versioned, not truncated: every sync writes the whole policy into the *_all tables under a
-- policy_version (a content hash), and only then appends that version to policy_versions. The
-- policy_* views show the rows of the newest version in policy_versions. So a detector never sees
-- half a policy (a TRUNCATE + INSERT across nine tables is not atomic, and a concurrent `detect`
-- would see empty tables), re-syncing an unchanged file writes nothing, and the history of what
-- was approved when stays queryable. Policies are small (hundreds of rows), so keeping every
-- version costs nothing.
--
-- Storage tables: MergeTree ORDER BY (policy_version, ...) so the view's version filter reads one
-- contiguous range. non_replicated_deduplication_window enables insert_deduplication_token: a sync
-- that crashed between tables and is retried does not duplicate rows of the same version.
-- Conventions in the views: '' means "none / any" for strings; "open" time bounds are
-- 1970-01-01 and 2299-12-31; globs from the file are pre-compiled to anchored RE2 patterns
-- (columns *_pattern / *_patterns) for match() / multiMatchAny().

-- The commit log of syncs; the newest loaded_at is the policy in force.
CREATE TABLE IF NOT EXISTS policy_versions
(
    policy_version String,
    loaded_at      DateTime64(3, 'UTC'),
    source         String,
    row_counts     Map(LowCardinality(String), UInt32)
)
ENGINE = MergeTree
ORDER BY loaded_at;

CREATE TABLE IF NOT EXISTS policy_teams_all
(
    policy_version String,
    team_id        String,
    name           String,
    owner_email    String,
    aliases        Array(String),
    idp_groups     Array(String)
)
ENGINE = MergeTree ORDER BY (policy_version, team_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_teams AS
SELECT * EXCEPT policy_version FROM policy_teams_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);

-- Every spelling of a team in the logs → canonical team id; the id itself is included, and
-- `alias` is lower-cased: join on lower(<log team column>) = alias.
CREATE TABLE IF NOT EXISTS policy_team_aliases_all
(
    policy_version String,
    alias          String,
    team_id        String
)
ENGINE = MergeTree ORDER BY (policy_version, alias)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_team_aliases AS
SELECT * EXCEPT policy_version FROM policy_team_aliases_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);

-- Membership with effective dates: a person is in team_id for valid_from <= t < valid_to.
CREATE TABLE IF NOT EXISTS policy_team_members_all
(
    policy_version String,
    team_id        String,
    email          String,
    valid_from     DateTime64(3, 'UTC'),
    valid_to       DateTime64(3, 'UTC')
)
ENGINE = MergeTree ORDER BY (policy_version, email, valid_from)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_team_members AS
SELECT * EXCEPT policy_version FROM policy_team_members_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);

-- Approved usage per team; each row is in force for effective_from <= t < effective_to (the next
-- entry's start). previous_* hold the limits it replaced, so an approved increase is visible.
-- NULL = no limit of that kind.
CREATE TABLE IF NOT EXISTS policy_budgets_all
(
    policy_version       String,
    team_id              String,
    effective_from       DateTime64(3, 'UTC'),
    effective_to         DateTime64(3, 'UTC'),
    daily_usd            Nullable(Float64),
    monthly_usd          Nullable(Float64),
    daily_tokens         Nullable(UInt64),
    monthly_tokens       Nullable(UInt64),
    previous_daily_usd   Nullable(Float64),
    previous_monthly_usd Nullable(Float64),
    note                 String
)
ENGINE = MergeTree ORDER BY (policy_version, team_id, effective_from)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_budgets AS
SELECT * EXCEPT policy_version FROM policy_budgets_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);

-- Task classes in evaluation order (priority 0 first; first match wins).
CREATE TABLE IF NOT EXISTS policy_task_classes_all
(
    policy_version      String,
    class_id            String,
    priority            UInt16,
    description         String,
    tags                Array(String),
    route_patterns      Array(String),
    key_alias_patterns  Array(String),
    user_agent_patterns Array(String)
)
ENGINE = MergeTree ORDER BY (policy_version, priority)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_task_classes AS
SELECT * EXCEPT policy_version FROM policy_task_classes_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);

-- Approved models, already resolved per team: for each (team_id, class_id) the team override if
-- the policy has one, else the org-wide list (scope says which). team_id '' holds the org-wide
-- list for requests whose team is unknown. model_pattern matches canonical model ids.
CREATE TABLE IF NOT EXISTS policy_models_all
(
    policy_version String,
    team_id        String,
    class_id       String,
    model_glob     String,
    model_pattern  String,
    scope          LowCardinality(String)
)
ENGINE = MergeTree ORDER BY (policy_version, team_id, class_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_models AS
SELECT * EXCEPT policy_version FROM policy_models_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);

-- Provider credentials the gateways hold. Same id conventions as provider_usage: workspace_id is
-- the Anthropic workspace, the OpenAI project or the AWS account. A usage row is gateway-held when
-- a row of its provider matches on every non-empty field (principal by principal_pattern).
CREATE TABLE IF NOT EXISTS policy_credentials_all
(
    policy_version    String,
    credential_id     String,
    provider          LowCardinality(String),
    api_key_id        String,
    workspace_id      String,
    principal_pattern String,
    gateway_id        String,
    team_id           String,
    description       String
)
ENGINE = MergeTree ORDER BY (policy_version, provider, credential_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_credentials AS
SELECT * EXCEPT policy_version FROM policy_credentials_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);

-- Gateway virtual keys → accountable human and team. api_key_id is what gateway_requests.api_key_id
-- holds (LiteLLM key hash, Kong authenticated_entity.id); '' when only the alias is known.
CREATE TABLE IF NOT EXISTS policy_gateway_keys_all
(
    policy_version String,
    gateway_id     String,
    gateway_kind   LowCardinality(String),
    api_key_id     String,
    key_alias      String,
    owner_email    String,
    team_id        String
)
ENGINE = MergeTree ORDER BY (policy_version, api_key_id, key_alias)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_gateway_keys AS
SELECT * EXCEPT policy_version FROM policy_gateway_keys_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);

CREATE TABLE IF NOT EXISTS policy_gateways_all
(
    policy_version String,
    gateway_id     String,
    kind           LowCardinality(String),
    url            String
)
ENGINE = MergeTree ORDER BY (policy_version, gateway_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_gateways AS
SELECT * EXCEPT policy_version FROM policy_gateways_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);

-- Approved tools and MCP servers, resolved per team (org-wide ∪ the team's own); team_id '' holds
-- the org-wide set. kind is 'tool' or 'mcp_server'.
CREATE TABLE IF NOT EXISTS policy_tools_all
(
    policy_version String,
    team_id        String,
    kind           LowCardinality(String),
    name_glob      String,
    name_pattern   String,
    scope          LowCardinality(String)
)
ENGINE = MergeTree ORDER BY (policy_version, team_id, kind)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_tools AS
SELECT * EXCEPT policy_version FROM policy_tools_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);

-- AI apps approved in the IdP. app_name is lower-cased; team_ids empty = whole organization.
CREATE TABLE IF NOT EXISTS policy_ai_apps_all
(
    policy_version String,
    idp            LowCardinality(String),
    app_id         String,
    app_name       String,
    team_ids       Array(String),
    description    String
)
ENGINE = MergeTree ORDER BY (policy_version, idp, app_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_ai_apps AS
SELECT * EXCEPT policy_version FROM policy_ai_apps_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);
