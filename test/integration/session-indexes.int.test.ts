import { beforeAll, describe, expect, it } from 'vitest';
import { sharedScratchStore, truncateTables } from '../../src/detect/scratch-store.ts';
import { sessionTrail } from '../../src/sessions/trail.ts';
import type { Store } from '../../src/store/store.ts';

/**
 * The session trail's billing lookup reads only the granules holding the session
 * (0017_session_skip_indexes.sql): provider_usage is not ordered by session, so without the bloom
 * filter `session_id = X` reads every granule. Checked on the plan (EXPLAIN indexes = 1), not on a
 * timing: 5 granules of 1,024 rows, the session's rows in one of them.
 */
let store: Store;
const SESSION = 'sess-skip-index-0001';

beforeAll(async () => {
  ({ store } = await sharedScratchStore());
  await truncateTables(store, ['provider_usage']);
  // One insert, one part: 5,120 usage rows in event-time order, the session on rows 2,100–2,109.
  await store.client.command({
    query: `INSERT INTO provider_usage (event_time, bucket_end, format, provider, kind, api_key_id, session_id, model, cost_usd, request_id)
            SELECT toDateTime64('2026-10-20 00:00:00', 3, 'UTC') + toIntervalSecond(number), toDateTime64('2026-10-20 00:00:00', 3, 'UTC') + toIntervalSecond(number),
                   'anthropic.usage_report', 'anthropic', 'usage', 'key-1', if(number BETWEEN 2100 AND 2109, '${SESSION}', ''), 'claude-sonnet-4-5', 0.01, toString(number)
            FROM numbers(5120)`,
    clickhouse_settings: { insert_deduplication_token: '' },
  });
});

describe('session skip indexes', () => {
  it('the trail reads one granule of provider_usage for a session, and finds its rows', async () => {
    const res = await store.client.query({ query: `EXPLAIN indexes = 1 SELECT count() FROM provider_usage WHERE session_id = {sid:String}`, query_params: { sid: SESSION }, format: 'JSONEachRow' });
    const plan = (await res.json<{ explain: string }>()).map((r) => r.explain.trim());
    const skip = plan.indexOf('Name: idx_session_id');
    expect(skip, plan.join('\n')).toBeGreaterThan(-1);
    // The lines after the index name: its description, then the granules it keeps of those it was given.
    expect(plan.slice(skip, skip + 4).find((l) => l.startsWith('Granules:'))).toBe('Granules: 1/5');

    const trail = await sessionTrail(store, SESSION);
    expect(trail?.cost.billedRecords).toBe(10);
    expect(trail?.timeline.filter((e) => e.source === 'billing')).toHaveLength(10);
  });
});
