import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/store.ts';
import { DDL_DIR, migrate } from '../../src/store/migrate.ts';
import { count, testConfig } from '../helpers/env.ts';

/**
 * Migrations that rebuild tables on a store that already holds data: the rows, their raw evidence
 * and the roll-ups fed from them must come through unchanged, and the roll-up views must keep
 * following the rebuilt tables.
 */
const config = testConfig('migrations');
let store: Store;
beforeAll(async () => {
  store = await openStore(config.clickhouse);
});
afterAll(async () => {
  await store?.close();
});

/** The DDL directory as it was before `version`: a store created by an older release. */
function ddlBefore(version: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-ddl-'));
  for (const f of readdirSync(DDL_DIR).filter((f) => /^\d{4}_/.test(f) && Number(f.slice(0, 4)) < version)) {
    copyFileSync(join(DDL_DIR, f), join(dir, f));
  }
  return dir;
}

// Recent times, as live traffic has (retention counts from ingest time since 0013).
const INSERTS = {
  gateway_requests: (n: number, tag: string) => `INSERT INTO gateway_requests (event_time, team_id, session_id, request_id, user_email, output_tokens, source_partition, source_offset, raw)
    SELECT now64(3) - toIntervalSecond(number), ['platform', 'data'][number % 2 + 1], concat('s-', toString(number % 7)), concat('${tag}-', toString(number)),
      'dev@example.com', number, 0, number, concat('{"request_id":"${tag}-', toString(number), '","pad":"', repeat('x', 300), '"}')
    FROM numbers(${n})`,
  agent_events: (n: number, tag: string) => `INSERT INTO agent_events (event_time, event_name, session_id, user_email, source_partition, source_offset, raw)
    SELECT now64(3) - toIntervalSecond(number), 'api_request', concat('s-', toString(number % 7)), 'dev@example.com', 0, number,
      concat('{"event":"${tag}-', toString(number), '"}')
    FROM numbers(${n})`,
  provider_usage: (n: number, tag: string) => `INSERT INTO provider_usage (event_time, bucket_end, provider, kind, api_key_id, source_offset, raw)
    SELECT now64(3) - toIntervalHour(number), now64(3), 'openai', 'usage', 'key-1', number, '{"bucket":"${tag}"}' FROM numbers(${n})`,
  idp_events: (n: number, tag: string) => `INSERT INTO idp_events (event_time, idp, actor_email, event_type, source_offset, raw)
    SELECT now64(3) - toIntervalMinute(number), 'okta', 'dev@example.com', 'user.session.start', number, '{"e":"${tag}"}' FROM numbers(${n})`,
};

async function snapshot(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of Object.keys(INSERTS)) {
    out[`${t} rows`] = await count(store, `SELECT count() AS c FROM ${t}`);
    out[`${t} raw`] = await count(store, `SELECT sum(cityHash64(raw, event_time)) % 1000000007 AS c FROM ${t}`);
  }
  out['gateway_hourly requests'] = await count(store, 'SELECT sum(requests) AS c FROM gateway_hourly');
  out['gateway_sessions_hourly requests'] = await count(store, 'SELECT sum(requests) AS c FROM gateway_sessions_hourly');
  out['agent_hourly events'] = await count(store, 'SELECT sum(events) AS c FROM agent_hourly');
  out['provider_hourly rows'] = await count(store, 'SELECT count() AS c FROM provider_hourly');
  return out;
}

describe('0012 source granules', () => {
  it('rebuilds the source tables with 1,024-row granules, keeping rows, raw evidence and roll-ups', async () => {
    await migrate(store, undefined, ddlBefore(12));
    for (const [t, insert] of Object.entries(INSERTS)) await store.client.command({ query: insert(t === 'gateway_requests' ? 5000 : 3000, 'before') });
    const before = await snapshot();
    expect(before['gateway_hourly requests']).toBe(5000);

    // 0012 and every later migration (0013 moves TTLs to ingest time; rows and raw must survive it too).
    expect((await migrate(store))[0]).toBe(12);

    expect(await snapshot()).toEqual(before);
    for (const t of Object.keys(INSERTS)) {
      const ddl = await count(store, `SELECT position(create_table_query, 'index_granularity = 1024') > 0 AS c FROM system.tables
                                      WHERE database = currentDatabase() AND name = '${t}'`);
      expect(ddl, `${t} is created with index_granularity = 1024`).toBe(1);
    }
    expect(await count(store, `SELECT count() AS c FROM system.tables WHERE database = currentDatabase() AND name LIKE '%\\_rebuild'`)).toBe(0);
    // 5,000 rows in 1,024-row granules: at least five marks (the copy may be several parts).
    expect(await count(store, `SELECT sum(marks) AS c FROM system.parts WHERE database = currentDatabase() AND table = 'gateway_requests' AND active`))
      .toBeGreaterThanOrEqual(5);

    // The roll-up views now feed from the rebuilt tables.
    await store.client.command({ query: INSERTS.gateway_requests(100, 'after') });
    await store.client.command({ query: INSERTS.agent_events(10, 'after') });
    expect(await count(store, 'SELECT sum(requests) AS c FROM gateway_hourly')).toBe(5100);
    expect(await count(store, 'SELECT sum(events) AS c FROM agent_hourly')).toBe(3010);
  });
});
