import { loadConfig } from './src/config/load.ts';
import { openStore } from './src/store/store.ts';
import { loadDetectors } from './src/detect/registry.ts';
import { queryDetector } from './src/detect/run.ts';
import { resolveParams } from './src/detect/define-detector.ts';
const [dir, id, hour] = process.argv.slice(2);
const store = await openStore(loadConfig({ env: {}, overrides: { 'clickhouse.dataDir': dir } }).clickhouse);
await store.client.command({ query: 'USE driftwatch' });
const d = (await loadDetectors()).find((x) => x.id === id)!;
const to = new Date(`2026-11-20T${hour ?? '12'}:00:00Z`);
const w = { from: new Date(to.getTime() - d.scheduleMs.lookback), to };
for (let k = 0; k < 3; k++) {
  const t0 = performance.now();
  const rows = await queryDetector(store, d, w, resolveParams(d, undefined) as Record<string, unknown>);
  console.log(id, k, rows.length, (performance.now() - t0).toFixed(0), 'ms');
}
let t0 = performance.now();
await store.client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json());
console.log('select 1', (performance.now() - t0).toFixed(1));
t0 = performance.now();
await store.client.query({ query: 'EXPLAIN PLAN ' + d.query, format: 'TabSeparated', query_params: { from: '2026-11-20 11:00:00.000', to: '2026-11-20 12:00:00.000', ...Object.fromEntries(Object.entries(resolveParams(d, undefined) as Record<string, unknown>)) } }).then((r) => r.text());
console.log('explain', (performance.now() - t0).toFixed(1));
await store.close();
