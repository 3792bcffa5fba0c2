-- MCP calls per hour, session, person, logged team, server and tool: what cross-source.mcp-task-scope
-- judges, without reading every call of the day.
--
-- Why: the detector read each MCP call (tool_result / tool_decision not rejected) of its windows from
-- agent_boundary_events three times — to find the (team, server, tool) combinations in use, the calls
-- some task class scopes, and the sessions to classify — and resolved each call's team on its own.
-- Its cost grew with the day's calls: 0.5 → 3.7 s of CPU for 104,516 → 1,038,372 calls (bench:detect,
-- 1 M and 10 M requests), the largest single cost of the 10 M day. A session calls the same tool
-- of a server many times an hour: the 10 M day's 1,028,022 calls are 220,333 rows here.
--
-- calls keeps the distinct call ids (a call's tool_decision and tool_result share one), so a window's
-- count merges exactly; first_times keeps the first three call times, agent_events' key for the
-- evidence samples. The detector reads it when its windows are whole hours (the default) and reads
-- agent_boundary_events, to the second, otherwise. A call's team is resolved at the group's first
-- call in the hour (team membership that changes inside an hour counts from the next hour).
--
-- Same conventions as 0025_console_rollups.sql: aggregate-function figures, `hour` =
-- toStartOfHour(event_time), insert deduplication with the source's blocks, no TTL (0013), listed in
-- src/store/rollups.ts; existing rows backfilled at the end, the view first (run migrations before
-- starting consumers).
CREATE TABLE IF NOT EXISTS agent_mcp_calls_hourly
(
    hour        DateTime('UTC'),
    session_id  String,
    user_email  String,
    team_id     LowCardinality(String),
    mcp_server  String,
    tool_name   String,
    calls       AggregateFunction(uniqExact, String),
    first_at    SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    first_times AggregateFunction(groupArraySorted(3), DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, session_id, user_email, team_id, mcp_server, tool_name)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_mcp_calls_hourly_mv TO agent_mcp_calls_hourly AS
SELECT toStartOfHour(event_time) AS hour, session_id, user_email, team_id, mcp_server, tool_name,
       uniqExactState(if(attributes['tool_use_id'] != '', attributes['tool_use_id'], concat(session_id, '#', toString(event_sequence)))) AS calls,
       min(event_time) AS first_at, groupArraySortedState(3)(event_time) AS first_times
FROM agent_events
WHERE mcp_server != '' AND event_name IN ('tool_result', 'tool_decision') AND NOT (event_name = 'tool_decision' AND decision = 'reject')
GROUP BY hour, session_id, user_email, team_id, mcp_server, tool_name;

INSERT INTO agent_mcp_calls_hourly (hour, session_id, user_email, team_id, mcp_server, tool_name, calls, first_at, first_times)
SELECT toStartOfHour(event_time) AS hour, session_id, user_email, team_id, mcp_server, tool_name,
       uniqExactState(call_id) AS calls, min(event_time) AS first_at, groupArraySortedState(3)(event_time) AS first_times
FROM agent_boundary_events
WHERE mcp_server != '' AND event_name IN ('tool_result', 'tool_decision') AND NOT (event_name = 'tool_decision' AND decision = 'reject')
GROUP BY hour, session_id, user_email, team_id, mcp_server, tool_name;
