import { loadConfig } from './src/config/load.ts';
import { openStore } from './src/store/store.ts';
import { loadDetectors } from './src/detect/registry.ts';
import { queryDetector, DETECTOR_QUERY_SETTINGS } from './src/detect/run.ts';
import { resolveParams } from './src/detect/define-detector.ts';
const [dir, hour] = process.argv.slice(2);
const store = await openStore(loadConfig({ env: {}, overrides: { 'clickhouse.dataDir': dir } }).clickhouse);
await store.client.command({ query: 'USE driftwatch' });
for (const d of await loadDetectors()) {
  const to = new Date(`2026-11-20T${hour ?? '12'}:00:00Z`);
  const w = { from: new Date(to.getTime() - d.scheduleMs.lookback), to };
  const params = resolveParams(d, undefined) as Record<string, unknown>;
  const qp = { ...params, from: w.from.toISOString().replace('T', ' ').replace('Z', ''), to: w.to.toISOString().replace('T', ' ').replace('Z', '') };
  let t0 = performance.now();
  await store.client.query({ query: 'EXPLAIN PLAN ' + d.query, format: 'TabSeparated', query_params: qp, clickhouse_settings: DETECTOR_QUERY_SETTINGS }).then((r) => r.text());
  const plan = performance.now() - t0;
  t0 = performance.now();
  const rows = await queryDetector(store, d, w, params);
  const run = performance.now() - t0;
  console.log(d.id.padEnd(42), 'plan', plan.toFixed(0).padStart(5), 'run', run.toFixed(0).padStart(6), 'rows', rows.length);
}
await store.close();
