import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SourceKind } from '../../src/decode/types.ts';
import { sharedScratchStore, truncateTables } from '../../src/detect/scratch-store.ts';
import { replayFiles } from '../../src/ingest/replay.ts';
import { DATA_TABLES } from '../../src/normalize/rows.ts';
import { readMigrations } from '../../src/store/migrate.ts';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';

/**
 * The roll-ups of schemas/clickhouse/0010_rollups.sql, 0011_gateway_logging_rollup.sql and 0025_console_rollups.sql, fed by
 * materialized views at insert, hold the same totals as their source tables — and stay exactly-once
 * when the consumer retries a batch with the same deduplication token (the source skips the block,
 * so must every roll-up).
 */

const SAMPLES = fileURLToPath(new URL('../../schemas/samples/', import.meta.url));
const FILES: Record<SourceKind, string[]> = {
  gateway: ['litellm-spend-log.json', 'litellm-payload.json', 'kong-ai.json'],
  billing: ['anthropic-usage.json', 'openai-usage.json', 'bedrock-invocation.json', 'anthropic-cost.json', 'openai-costs.json'],
  idp: ['okta-token-grant.json', 'entra-signin-interactive.json'],
  agent: ['claude-code-otlp.json', 'claude-code-flat.json'],
};

const SETTINGS = { output_format_json_quote_64bit_integers: 0 } as const;

async function one(store: Store, query: string): Promise<Record<string, number>> {
  const rows = await (await store.client.query({ query, format: 'JSONEachRow', clickhouse_settings: SETTINGS })).json<Record<string, number>>();
  return rows[0] ?? {};
}

/** Each roll-up's totals next to the same totals computed from its source table. */
async function totals(store: Store) {
  return {
    gateway: await one(store, `SELECT
        (SELECT count() FROM gateway_requests) AS requests,
        (SELECT sum(requests) FROM gateway_hourly) AS hourly, (SELECT sum(requests) FROM gateway_sessions_hourly) AS sessions,
        (SELECT sum(requests) FROM gateway_daily) AS daily,
        (SELECT sum(requests) FROM gateway_logging_hourly) AS logging, (SELECT sum(requests) FROM gateway_delays_hourly) AS delays,
        (SELECT countIf(prompt_logged = 0 AND empty(mcp_servers)) FROM gateway_requests) AS unlogged,
        (SELECT sum(unlogged_prompts) FROM gateway_logging_hourly) AS logging_unlogged,
        (SELECT round(sum(cost_usd), 6) FROM gateway_requests) AS cost, (SELECT round(sum(cost_usd), 6) FROM gateway_hourly) AS hourly_cost,
        (SELECT sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) FROM gateway_requests) AS tokens,
        (SELECT sum(tokens) FROM gateway_sessions_hourly) AS sessions_tokens,
        (SELECT sum(requests) FROM gateway_console_daily) AS console_daily, (SELECT sum(unlogged_prompts) FROM gateway_console_daily) AS console_unlogged,
        (SELECT round(sum(cost_usd), 6) FROM gateway_console_daily) AS console_cost,
        (SELECT countIf(session_id != '') FROM gateway_requests) AS with_session, (SELECT sum(requests) FROM gateway_sessions_daily) AS sessions_daily,
        (SELECT sumIf(events, source = 'gateway') FROM source_hourly) AS source_hourly`),
    agent: await one(store, `SELECT
        (SELECT count() FROM agent_events) AS events, (SELECT sum(events) FROM agent_hourly) AS hourly,
        (SELECT countIf(event_name IN ('tool_result', 'tool_decision') AND (tool_name != '' OR mcp_server != '')) FROM agent_events) AS tool_events,
        (SELECT sum(events) FROM agent_tools_hourly) AS tools_hourly, (SELECT count() FROM agent_tool_calls) AS tool_calls,
        (SELECT uniqExact(session_id) FROM agent_events WHERE session_id != '') AS sessions,
        (SELECT uniqExact(session_id) FROM agent_session_starts) AS session_starts,
        (SELECT uniqExact(account_id) FROM agent_events WHERE account_id != '') AS accounts,
        (SELECT uniqExact(account_id) FROM agent_accounts) AS account_rows,
        (SELECT countIf(event_name = 'api_request') FROM agent_events) AS api_requests, (SELECT sum(requests) FROM agent_paths_hourly) AS paths_requests,
        (SELECT countIf(event_name IN ('tool_result', 'tool_decision') AND mcp_server != '') FROM agent_events) AS mcp_events,
        (SELECT countIf(mcp_server != '') FROM agent_boundary_events) AS boundary_mcp_events,
        (SELECT uniqExactIf(call_id, mcp_server != '' AND NOT (event_name = 'tool_decision' AND decision = 'reject')) FROM agent_boundary_events) AS mcp_calls,
        (SELECT uniqExactMerge(calls) FROM agent_mcp_calls_hourly) AS mcp_calls_hourly,
        (SELECT countIf(session_id != '') FROM agent_events) AS with_session, (SELECT sum(events) FROM agent_sessions_daily) AS sessions_daily,
        (SELECT countIf(session_id != '' AND event_name = 'api_request') FROM agent_events) AS session_api_requests,
        (SELECT sum(api_requests) FROM agent_sessions_daily) AS sessions_daily_api_requests,
        (SELECT sum(results) + sum(decisions) FROM agent_tools_daily) AS tools_daily,
        (SELECT sumIf(events, source = 'agent') FROM source_hourly) AS source_hourly`),
    billing: await one(store, `SELECT
        (SELECT count() FROM provider_usage) AS records, (SELECT sum(records) FROM provider_hourly) AS hourly,
        (SELECT sum(output_tokens) FROM provider_usage) AS output, (SELECT sum(output_tokens) FROM provider_hourly) AS hourly_output,
        (SELECT sumIf(events, source = 'billing') FROM source_hourly) AS source_hourly`),
    idp: await one(store, `SELECT (SELECT count() FROM idp_events) AS events, (SELECT sumIf(events, source = 'idp') FROM source_hourly) AS source_hourly`),
  };
}

describe('roll-ups (0010_rollups.sql, 0011_gateway_logging_rollup.sql, 0018_agent_boundaries.sql, 0025_console_rollups.sql, 0030_agent_mcp_calls_hourly.sql)', () => {
  let store: Store;

  beforeAll(async () => {
    const scratch = await sharedScratchStore();
    store = scratch.store;
    await truncateTables(store, [...DATA_TABLES]);
    const log = createLogger('silent');
    for (const [source, files] of Object.entries(FILES) as [SourceKind, string[]][]) {
      const summary = await replayFiles(source, files.map((f) => `${SAMPLES}${f}`), scratch.config, store, log);
      expect(summary.rejected, `${source} samples decode`).toBe(0);
    }
  });

  it('hold the same totals as their source tables', async () => {
    const t = await totals(store);
    expect(t.gateway['requests']).toBeGreaterThan(0);
    expect(t.gateway).toMatchObject({ hourly: t.gateway['requests'], sessions: t.gateway['requests'], daily: t.gateway['requests'],
      logging: t.gateway['requests'], delays: t.gateway['requests'], logging_unlogged: t.gateway['unlogged'],
      hourly_cost: t.gateway['cost'], sessions_tokens: t.gateway['tokens'],
      console_daily: t.gateway['requests'], console_unlogged: t.gateway['unlogged'], console_cost: t.gateway['cost'],
      sessions_daily: t.gateway['with_session'], source_hourly: t.gateway['requests'] });
    expect(t.gateway['with_session']).toBeGreaterThan(0);
    expect(t.agent['tool_events']).toBeGreaterThan(0);
    expect(t.agent).toMatchObject({ hourly: t.agent['events'], tools_hourly: t.agent['tool_events'], tool_calls: t.agent['tool_events'],
      session_starts: t.agent['sessions'], account_rows: t.agent['accounts'],
      paths_requests: t.agent['api_requests'], boundary_mcp_events: t.agent['mcp_events'],
      sessions_daily: t.agent['with_session'], sessions_daily_api_requests: t.agent['session_api_requests'], tools_daily: t.agent['tool_events'],
      source_hourly: t.agent['events'] });
    expect(t.agent['mcp_events']).toBeGreaterThan(0);
    expect(t.agent['mcp_calls']).toBeGreaterThan(0);
    expect(t.agent['mcp_calls_hourly']).toBe(t.agent['mcp_calls']);
    expect(t.billing).toMatchObject({ hourly: t.billing['records'], hourly_output: t.billing['output'], source_hourly: t.billing['records'] });
    expect(t.idp['events']).toBeGreaterThan(0);
    expect(t.idp['source_hourly']).toBe(t.idp['events']);
  });

  it('0030\'s backfill of rows stored before it builds the roll-up its view builds', async () => {
    const snapshot = 'SELECT hour, session_id, user_email, team_id, mcp_server, tool_name, uniqExactMerge(calls) AS calls, min(first_at) AS first_at, ' +
      'groupArraySortedMerge(3)(first_times) AS first_times FROM agent_mcp_calls_hourly GROUP BY ALL ORDER BY ALL';
    const read = async () => (await store.client.query({ query: snapshot, format: 'JSONEachRow' })).json();
    const fromView = await read();
    expect(fromView.length).toBeGreaterThan(0);
    const migration = readMigrations().find((m) => m.version === 30);
    const backfill = migration?.statements.find((st) => st.replace(/--.*$/gm, '').trim().startsWith('INSERT'));
    expect(backfill).toBeDefined();
    await store.client.command({ query: 'TRUNCATE TABLE agent_mcp_calls_hourly' });
    await store.client.command({ query: backfill as string });
    expect(await read()).toEqual(fromView);
  });

  it('count a batch retried with the same deduplication token once', async () => {
    const before = await totals(store);
    const rows = await (await store.client.query({
      query: 'SELECT * EXCEPT ingested_at FROM gateway_requests LIMIT 2', format: 'JSONEachRow', clickhouse_settings: SETTINGS,
    })).json<Record<string, unknown>>();
    const batch = rows.map((r) => ({ ...r, source_topic: 'retry-test', request_id: `${String(r['request_id'])}-retry` }));
    await store.insertRows('gateway_requests', batch, 'retry-test:0:0-1:gateway_requests');
    await store.insertRows('gateway_requests', batch, 'retry-test:0:0-1:gateway_requests');
    const after = await totals(store);
    expect(after.gateway['requests']).toBe(Number(before.gateway['requests']) + batch.length);
    expect(after.gateway).toMatchObject({ hourly: after.gateway['requests'], sessions: after.gateway['requests'], daily: after.gateway['requests'],
      logging: after.gateway['requests'], delays: after.gateway['requests'], console_daily: after.gateway['requests'],
      sessions_daily: after.gateway['with_session'], source_hourly: after.gateway['requests'] });
  });
});
