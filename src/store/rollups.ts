import type { DataTable } from '../normalize/rows.ts';

/**
 * The roll-up tables each source table feeds through materialized views at insert
 * (schemas/clickhouse/0010_rollups.sql, 0011_gateway_logging_rollup.sql, 0018_agent_boundaries.sql,
 * 0025_console_rollups.sql, 0028_gateway_session_shapes.sql,
 * 0030_agent_mcp_calls_hourly.sql). A detector reading a roll-up reads its source: late data in the source
 * re-runs it (detect/sql.ts), and emptying a source empties its roll-ups (tests). source_hourly is
 * fed by every source, so emptying any of them empties it whole. posture_days (0027) is kept by the
 * posture's reads, not by a view, from the gateway, billing and agent roll-ups; it is listed with them
 * because a day's figures are recognised by its roll-ups' totals, and a day emptied and filled again
 * with as many rows would otherwise find the figures of the rows before.
 */
export const ROLLUPS: Readonly<Record<DataTable, readonly string[]>> = {
  gateway_requests: ['source_hourly', 'gateway_hourly', 'gateway_sessions_hourly', 'gateway_daily', 'gateway_logging_hourly', 'gateway_delays_hourly', 'gateway_console_daily', 'gateway_sessions_daily', 'gateway_session_shapes_hourly', 'posture_days'],
  provider_usage: ['source_hourly', 'provider_hourly', 'posture_days'],
  idp_events: ['source_hourly'],
  provider_keys: [],
  agent_events: ['source_hourly', 'agent_hourly', 'agent_tools_hourly', 'agent_tool_calls', 'agent_accounts', 'agent_session_starts', 'agent_boundary_events', 'agent_mcp_calls_hourly', 'agent_paths_hourly', 'agent_tools_daily', 'agent_sessions_daily', 'posture_days'],
};

/** The tables plus the roll-ups of those that are source tables. */
export function withRollups(tables: readonly string[]): string[] {
  return [...new Set(tables.flatMap((t) => [t, ...((ROLLUPS as Record<string, readonly string[] | undefined>)[t] ?? [])]))];
}
