-- Hourly roll-ups maintained at ingest (materialized views), for the detectors' time windows.
--
-- Why: every detector runs hourly over [to − lookback, to) and several look back days (baselines,
-- first use, identity of an account). Over the raw tables each run re-reads every request of the
-- window — agent_events is ordered by session_id, so a time window there is a scan of the whole
-- table — and `raw` (the largest column) was read for samples inside aggregations. At 10 M gateway
-- requests a day a full cycle read tens of billions of rows (bench/detect.bench.ts).
--
-- Each roll-up keeps the dimensions the detectors group or join on and plain re-aggregatable
-- figures (SimpleAggregateFunction: sum / min / max), so a reader always re-aggregates with the
-- same function: `sum(requests)`, `min(first_at)`, …; rows are not merged until parts merge.
-- `hour` = toStartOfHour(event_time): hour-aligned windows — all the runtime ever plans — are
-- exact (an unaligned window reads the whole hours it touches). Samples are pointers (event time +
-- id) into the raw tables, read by primary key at the end. agent_tool_calls is not an aggregate but
-- a narrow copy of the tool events ordered by tool, for exact call counts of a few tools.
-- The list of roll-ups per source table is src/store/rollups.ts.
--
-- ORDER BY (hour, …): a window is a contiguous range; PARTITION BY month and TTL 400 days follow
-- the source tables. Insert deduplication: a block the source table skips as a duplicate
-- (insert_deduplication_token) is skipped by its views too — inserts set
-- deduplicate_blocks_in_dependent_materialized_views (src/store/store.ts) and each roll-up keeps a
-- deduplication window like its source — so a retried batch is counted once.
-- Existing rows are backfilled once at the end of this file (views first, so nothing ingested
-- meanwhile is missed; a batch landing between the two statements is counted twice — run
-- migrations before starting consumers, as `driftwatch ingest` does).

-- Gateway requests per hour and (team, key, person, route, model): about one row per person, key and
-- model an hour. routing-drift, spend-above-approved, unreconciled-spend, prompt-log-gap (baseline),
-- tool-scope-drift (first use) and credential-after-offboarding read it instead of the requests.
CREATE TABLE IF NOT EXISTS gateway_hourly
(
    hour            DateTime('UTC'),
    team_id         LowCardinality(String),
    api_key_id      String,
    api_key_alias   String,
    user_email      String,
    gateway         LowCardinality(String),
    provider        LowCardinality(String),
    model_requested LowCardinality(String),
    model_served    LowCardinality(String),
    route           String,
    user_agent      String,
    tags            Array(LowCardinality(String)),
    mcp_servers     Array(String),
    requests        SimpleAggregateFunction(sum, UInt64),
    tokens          SimpleAggregateFunction(sum, UInt64),
    cost_usd        SimpleAggregateFunction(sum, Float64),
    first_at        SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_at         SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    -- (event_time, request_id) of the first and of the costliest request: sample pointers.
    first_request   SimpleAggregateFunction(min, Tuple(DateTime64(3, 'UTC'), String)),
    costliest       SimpleAggregateFunction(max, Tuple(Float64, DateTime64(3, 'UTC'), String))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, team_id, api_key_id, user_email, gateway, provider, model_requested, model_served, api_key_alias, route, user_agent,
          tags, mcp_servers)
TTL hour + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS gateway_hourly_mv TO gateway_hourly AS
SELECT toStartOfHour(event_time) AS hour, team_id, api_key_id, api_key_alias, user_email, gateway, provider,
       model_requested, model_served, route, user_agent, tags, mcp_servers,
       count() AS requests, sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS tokens,
       sum(cost_usd) AS cost_usd, min(event_time) AS first_at, max(event_time) AS last_at,
       min((g.event_time, g.request_id)) AS first_request, max((g.cost_usd, g.event_time, g.request_id)) AS costliest
FROM gateway_requests AS g
GROUP BY hour, team_id, api_key_id, api_key_alias, user_email, gateway, provider, model_requested, model_served,
         route, user_agent, tags, mcp_servers;

-- Gateway requests per hour, session and identity (key, person, user id, address, client): one row per
-- coding session and hour, and per key and address for traffic without a session. identity-switch,
-- ownerless-session and session-without-gateway read it.
CREATE TABLE IF NOT EXISTS gateway_sessions_hourly
(
    hour          DateTime('UTC'),
    session_id    String,
    gateway       LowCardinality(String),
    api_key_id    String,
    api_key_alias String,
    user_email    String,
    team_id       LowCardinality(String),
    user_id       String,
    client_ip     String,
    user_agent    String,
    requests      SimpleAggregateFunction(sum, UInt64),
    tokens        SimpleAggregateFunction(sum, UInt64),
    cost_usd      SimpleAggregateFunction(sum, Float64),
    first_at      SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_at       SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    first_request SimpleAggregateFunction(min, Tuple(DateTime64(3, 'UTC'), String))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, session_id, gateway, api_key_id, api_key_alias, user_email, team_id, user_id, client_ip, user_agent)
TTL hour + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS gateway_sessions_hourly_mv TO gateway_sessions_hourly AS
SELECT toStartOfHour(event_time) AS hour, session_id, gateway, api_key_id, api_key_alias, user_email, team_id, user_id, client_ip, user_agent,
       count() AS requests, sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS tokens,
       sum(cost_usd) AS cost_usd, min(event_time) AS first_at, max(event_time) AS last_at,
       min((g.event_time, g.request_id)) AS first_request
FROM gateway_requests AS g
GROUP BY hour, session_id, gateway, api_key_id, api_key_alias, user_email, team_id, user_id, client_ip, user_agent;

-- Gateway spend per day, team, key and person: billing.spend-above-approved compares the day with
-- its month and its 28-day baseline every hour; complete days come from here, today from gateway_hourly.
CREATE TABLE IF NOT EXISTS gateway_daily
(
    day        Date,
    team_id    LowCardinality(String),
    api_key_id String,
    user_email String,
    requests   SimpleAggregateFunction(sum, UInt64),
    tokens     SimpleAggregateFunction(sum, UInt64),
    cost_usd   SimpleAggregateFunction(sum, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, team_id, api_key_id, user_email)
TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS gateway_daily_mv TO gateway_daily AS
SELECT toDate(event_time) AS day, team_id, api_key_id, user_email, count() AS requests,
       sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS tokens, sum(cost_usd) AS cost_usd
FROM gateway_requests
GROUP BY day, team_id, api_key_id, user_email;

-- Agent telemetry per hour, session, event name and identity: about four rows per session-hour.
-- session-without-gateway, identity-switch, ownerless-session, prompt-log-gap and
-- credential-after-offboarding find their sessions here, then read those sessions' raw events by
-- agent_events' primary key (session_id); unmanaged-key-usage and spend-above-approved name an
-- account's owner from it over days.
CREATE TABLE IF NOT EXISTS agent_hourly
(
    hour          DateTime('UTC'),
    session_id    String,
    event_name    LowCardinality(String),
    user_email    String,
    account_id    String,
    team_id       LowCardinality(String),
    user_id       String,
    terminal_type LowCardinality(String),
    events        SimpleAggregateFunction(sum, UInt64),
    tokens        SimpleAggregateFunction(sum, UInt64),
    cost_usd      SimpleAggregateFunction(sum, Float64),
    first_at      SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_at       SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    models        SimpleAggregateFunction(groupUniqArrayArray, Array(String))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, session_id, event_name, user_email, account_id, team_id, user_id, terminal_type)
TTL hour + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_hourly_mv TO agent_hourly AS
SELECT toStartOfHour(event_time) AS hour, session_id, event_name, user_email, account_id, team_id, user_id, terminal_type,
       count() AS events, sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS tokens,
       sum(cost_usd) AS cost_usd, min(event_time) AS first_at, max(event_time) AS last_at,
       groupUniqArrayIf(model, model != '') AS models
FROM agent_events
GROUP BY hour, session_id, event_name, user_email, account_id, team_id, user_id, terminal_type;

-- Tool and MCP use per tool, hour and person (tool_result / tool_decision telemetry).
-- cross-source.tool-scope-drift judges the hour's tools against the policy here; ordered by server
-- and tool first, so the first use of a few unapproved tools over days is a short lookup, and an
-- hour across the (few hundred) tools a short scan.
CREATE TABLE IF NOT EXISTS agent_tools_hourly
(
    mcp_server  String,
    tool_name   String,
    hour        DateTime('UTC'),
    user_email  String,
    team_id     LowCardinality(String),
    event_name  LowCardinality(String),
    decision    LowCardinality(String),
    events      SimpleAggregateFunction(sum, UInt64),
    first_at    SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_at     SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (mcp_server, tool_name, hour, user_email, team_id, event_name, decision)
TTL hour + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_tools_hourly_mv TO agent_tools_hourly AS
SELECT mcp_server, tool_name, toStartOfHour(event_time) AS hour, user_email, team_id, event_name, decision,
       count() AS events, min(event_time) AS first_at, max(event_time) AS last_at
FROM agent_events
WHERE event_name IN ('tool_result', 'tool_decision') AND (tool_name != '' OR mcp_server != '')
GROUP BY mcp_server, tool_name, hour, user_email, team_id, event_name, decision;

-- Tool calls, narrow and ordered by tool then time (a projection of agent_events' tool events, not
-- an aggregate): the call id (tool_use_id, else session#sequence) is what makes a decision and its
-- result one call, so tool-scope-drift counts calls exactly by reading only the unapproved tools'
-- rows of the hour instead of every session's events.
CREATE TABLE IF NOT EXISTS agent_tool_calls
(
    mcp_server String,
    tool_name  String,
    event_time DateTime64(3, 'UTC'),
    session_id String,
    call_id    String,
    event_name LowCardinality(String),
    decision   LowCardinality(String),
    user_email String,
    team_id    LowCardinality(String)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (mcp_server, tool_name, event_time, session_id)
TTL toDateTime(event_time) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_tool_calls_mv TO agent_tool_calls AS
SELECT mcp_server, tool_name, event_time, session_id,
       if(attributes['tool_use_id'] != '', attributes['tool_use_id'], concat(session_id, '#', toString(event_sequence))) AS call_id,
       event_name, decision, user_email, team_id
FROM agent_events
WHERE event_name IN ('tool_result', 'tool_decision') AND (tool_name != '' OR mcp_server != '');

-- Who an agent account (Claude account id) is, per hour: billing detectors name the owner of an
-- account id over days of telemetry; ordered by account_id so a lookup reads only that account.
CREATE TABLE IF NOT EXISTS agent_accounts
(
    account_id String,
    hour       DateTime('UTC'),
    user_email String,
    team_id    LowCardinality(String),
    last_at    SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (account_id, hour, user_email, team_id)
TTL hour + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_accounts_mv TO agent_accounts AS
SELECT account_id, toStartOfHour(event_time) AS hour, user_email, team_id, max(event_time) AS last_at
FROM agent_events
WHERE account_id != ''
GROUP BY account_id, hour, user_email, team_id;

-- When each session was first seen (any event, and its first model request): the incident day of
-- session alerts, looked up by session id without reading the session's history.
CREATE TABLE IF NOT EXISTS agent_session_starts
(
    session_id   String,
    first_at     SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    -- 2299-12-31 when the session has no api_request yet.
    first_api_at SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY session_id
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_session_starts_mv TO agent_session_starts AS
SELECT session_id, min(event_time) AS first_at,
       min(if(event_name = 'api_request', event_time, toDateTime64('2299-12-31 00:00:00', 3, 'UTC'))) AS first_api_at
FROM agent_events
WHERE session_id != ''
GROUP BY session_id;

-- Provider usage per hour and credential: Bedrock logs one row per invocation (a tenth of the
-- gateway's volume); spend-above-approved reads a month of it every hour, unreconciled-spend a day.
-- grain: 'h' for hourly buckets and invocations, 'd' for daily buckets (as unreconciled-spend slots them).
CREATE TABLE IF NOT EXISTS provider_hourly
(
    hour               DateTime('UTC'),
    provider           LowCardinality(String),
    kind               LowCardinality(String),
    grain              LowCardinality(String),
    api_key_id         String,
    workspace_id       String,
    account_id         String,
    user_email         String,
    principal          String,
    team_id            LowCardinality(String),
    model              LowCardinality(String),
    uncached_input_tokens SimpleAggregateFunction(sum, UInt64),
    cache_read_tokens  SimpleAggregateFunction(sum, UInt64),
    cache_write_tokens SimpleAggregateFunction(sum, UInt64),
    output_tokens      SimpleAggregateFunction(sum, UInt64),
    request_count      SimpleAggregateFunction(sum, UInt64),
    cost_usd           SimpleAggregateFunction(sum, Float64),
    records            SimpleAggregateFunction(sum, UInt64),
    first_at           SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_end           SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    -- (event_time, source_offset, record_index) of the first record: the sample pointer.
    first_record       SimpleAggregateFunction(min, Tuple(DateTime64(3, 'UTC'), UInt64, UInt32))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, provider, kind, grain, api_key_id, workspace_id, account_id, user_email, principal, team_id, model)
TTL hour + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS provider_hourly_mv TO provider_hourly AS
SELECT toStartOfHour(event_time) AS hour, provider, kind,
       if(kind = 'invocation' OR dateDiff('second', event_time, bucket_end) <= 3600, 'h', 'd') AS grain,
       api_key_id, workspace_id, account_id, user_email, principal, team_id, model,
       sum(uncached_input_tokens) AS uncached_input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
       sum(cache_write_tokens) AS cache_write_tokens, sum(output_tokens) AS output_tokens, sum(request_count) AS request_count,
       sum(cost_usd) AS cost_usd, count() AS records, min(event_time) AS first_at, max(bucket_end) AS last_end,
       min((event_time, source_offset, record_index)) AS first_record
FROM provider_usage
GROUP BY hour, provider, kind, grain, api_key_id, workspace_id, account_id, user_email, principal, team_id, model;

-- Backfill what was ingested before this migration (no-op on a new store).
INSERT INTO gateway_hourly
SELECT toStartOfHour(event_time) AS hour, team_id, api_key_id, api_key_alias, user_email, gateway, provider,
       model_requested, model_served, route, user_agent, tags, mcp_servers,
       count() AS requests, sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS tokens,
       sum(cost_usd) AS cost_usd, min(event_time) AS first_at, max(event_time) AS last_at,
       min((g.event_time, g.request_id)) AS first_request, max((g.cost_usd, g.event_time, g.request_id)) AS costliest
FROM gateway_requests AS g
GROUP BY hour, team_id, api_key_id, api_key_alias, user_email, gateway, provider, model_requested, model_served,
         route, user_agent, tags, mcp_servers;

INSERT INTO gateway_sessions_hourly
SELECT toStartOfHour(event_time) AS hour, session_id, gateway, api_key_id, api_key_alias, user_email, team_id, user_id, client_ip, user_agent,
       count() AS requests, sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS tokens,
       sum(cost_usd) AS cost_usd, min(event_time) AS first_at, max(event_time) AS last_at,
       min((g.event_time, g.request_id)) AS first_request
FROM gateway_requests AS g
GROUP BY hour, session_id, gateway, api_key_id, api_key_alias, user_email, team_id, user_id, client_ip, user_agent;

INSERT INTO gateway_daily
SELECT toDate(event_time) AS day, team_id, api_key_id, user_email, count() AS requests,
       sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS tokens, sum(cost_usd) AS cost_usd
FROM gateway_requests
GROUP BY day, team_id, api_key_id, user_email;

INSERT INTO agent_hourly
SELECT toStartOfHour(event_time) AS hour, session_id, event_name, user_email, account_id, team_id, user_id, terminal_type,
       count() AS events, sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS tokens,
       sum(cost_usd) AS cost_usd, min(event_time) AS first_at, max(event_time) AS last_at,
       groupUniqArrayIf(model, model != '') AS models
FROM agent_events
GROUP BY hour, session_id, event_name, user_email, account_id, team_id, user_id, terminal_type;

INSERT INTO agent_tools_hourly
SELECT mcp_server, tool_name, toStartOfHour(event_time) AS hour, user_email, team_id, event_name, decision,
       count() AS events, min(event_time) AS first_at, max(event_time) AS last_at
FROM agent_events
WHERE event_name IN ('tool_result', 'tool_decision') AND (tool_name != '' OR mcp_server != '')
GROUP BY mcp_server, tool_name, hour, user_email, team_id, event_name, decision;

INSERT INTO agent_tool_calls
SELECT mcp_server, tool_name, event_time, session_id,
       if(attributes['tool_use_id'] != '', attributes['tool_use_id'], concat(session_id, '#', toString(event_sequence))) AS call_id,
       event_name, decision, user_email, team_id
FROM agent_events
WHERE event_name IN ('tool_result', 'tool_decision') AND (tool_name != '' OR mcp_server != '');

INSERT INTO agent_accounts
SELECT account_id, toStartOfHour(event_time) AS hour, user_email, team_id, max(event_time) AS last_at
FROM agent_events
WHERE account_id != ''
GROUP BY account_id, hour, user_email, team_id;

INSERT INTO agent_session_starts
SELECT session_id, min(event_time) AS first_at,
       min(if(event_name = 'api_request', event_time, toDateTime64('2299-12-31 00:00:00', 3, 'UTC'))) AS first_api_at
FROM agent_events
WHERE session_id != ''
GROUP BY session_id;

INSERT INTO provider_hourly
SELECT toStartOfHour(event_time) AS hour, provider, kind,
       if(kind = 'invocation' OR dateDiff('second', event_time, bucket_end) <= 3600, 'h', 'd') AS grain,
       api_key_id, workspace_id, account_id, user_email, principal, team_id, model,
       sum(uncached_input_tokens) AS uncached_input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
       sum(cache_write_tokens) AS cache_write_tokens, sum(output_tokens) AS output_tokens, sum(request_count) AS request_count,
       sum(cost_usd) AS cost_usd, count() AS records, min(event_time) AS first_at, max(bucket_end) AS last_end,
       min((event_time, source_offset, record_index)) AS first_record
FROM provider_usage
GROUP BY hour, provider, kind, grain, api_key_id, workspace_id, account_id, user_email, principal, team_id, model;
