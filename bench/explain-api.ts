/**
 * node --import tsx bench/explain-api.ts --dir DIR — on a day kept by `npm run bench:api -- --dir DIR`:
 * for each query the API's slow paths run, the index use ClickHouse plans (EXPLAIN indexes = 1:
 * parts and granules kept per key / skip index) and the median time of 5 runs with rows read.
 * What the p95s of bench:api are made of, query by query.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.ts';
import { openStore } from '../src/store/store.ts';
import { migrate } from '../src/store/migrate.ts';
import { createLogger } from '../src/telemetry/logger.ts';

const { values: args } = parseArgs({ options: { dir: { type: 'string' }, plan: { type: 'boolean', default: false } } });
if (!args.dir) throw new Error('--dir DIR: a data directory kept by bench:api');
const store = await openStore(loadConfig({ env: {}, overrides: { 'clickhouse.dataDir': args.dir, logLevel: 'error' } }).clickhouse);
await migrate(store, createLogger('error'));
const q = async <T>(query: string, params: Record<string, unknown> = {}) =>
  (await store.client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } })).json<T>();
const [top] = await q<{ session_id: string }>(`SELECT session_id FROM agent_events WHERE session_id != '' GROUP BY session_id ORDER BY count() DESC LIMIT 1`);
const sid = top?.session_id ?? '';
const [span] = await q<{ lo: string; hi: string; teams: string[] }>(`SELECT toString(min(first_at)) AS lo, toString(max(last_at)) AS hi, groupUniqArray(toString(team_id)) AS teams FROM gateway_sessions_hourly WHERE session_id = {sid:String}`, { sid });
const params = { sid, lo: span?.lo ?? '1970-01-01 00:00:00', hi: span?.hi ?? '1970-01-01 00:00:00', teams: span?.teams ?? [] };
const cases: [string, string][] = [
  ['trail: agent summary', 'SELECT count(), min(event_time) FROM agent_events WHERE session_id = {sid:String}'],
  ['trail: session span (roll-up)', 'SELECT groupUniqArray(toString(team_id)), min(first_at), max(last_at), count() FROM gateway_sessions_hourly WHERE session_id = {sid:String}'],
  ['trail: gateway requests', 'SELECT count(), sum(cost_usd) FROM gateway_requests WHERE team_id IN {teams:Array(String)} AND event_time >= {lo:DateTime64(3)} AND event_time <= {hi:DateTime64(3)} AND session_id = {sid:String}'],
  ['trail: provider usage', 'SELECT count(), sum(cost_usd) FROM provider_usage WHERE session_id = {sid:String}'],
  ['trail: alerts citing it', 'SELECT count() FROM alerts FINAL WHERE position(entity, {sid:String}) > 0 OR position(evidence, {sid:String}) > 0'],
];
for (const [name, sql] of cases) {
  const times: number[] = [];
  let read = '';
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const res = await store.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    await res.json();
    times.push(performance.now() - t);
    const summary = res.response_headers['x-clickhouse-summary'];
    read = typeof summary === 'string' ? summary : '';
  }
  times.sort((a, b) => a - b);
  process.stdout.write(`${name}: median ${times[2]?.toFixed(0)} ms ${read}\n`);
  if (args.plan) {
    const plan = await q<{ explain: string }>(`EXPLAIN indexes = 1 ${sql}`, params);
    process.stdout.write(`${plan.map((p) => `    ${p.explain}`).filter((l) => /Parts|Granules|Keys|Condition|Name|ReadFromMergeTree|Skip|PrimaryKey|MinMax|Partition/.test(l)).join('\n')}\n`);
  }
}
await store.close();
