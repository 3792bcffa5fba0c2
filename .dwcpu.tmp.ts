import { loadConfig } from './src/config/load.ts';
import { openStore } from './src/store/store.ts';
import { loadDetectors } from './src/detect/registry.ts';
import { DETECTOR_QUERY_SETTINGS } from './src/detect/run.ts';
import { resolveParams } from './src/detect/define-detector.ts';
const [dir, mode, only] = process.argv.slice(2);
const store = await openStore(loadConfig({ env: {}, overrides: { 'clickhouse.dataDir': dir } }).clickhouse);
await store.client.command({ query: 'USE driftwatch' });
let totW = 0, totC = 0;
for (const d of await loadDetectors()) {
  if (only && !d.id.includes(only)) continue;
  const params = resolveParams(d, undefined) as Record<string, unknown>;
  let w = 0, c = 0;
  const hours = mode === 'run' ? [3, 7, 11, 15, 19, 23] : [12, 12, 12];
  for (const h of hours) {
    const to = new Date(Date.UTC(2026, 10, 20, h));
    const qp = { ...params, from: new Date(to.getTime() - d.scheduleMs.lookback).toISOString().replace('T', ' ').replace('Z', ''), to: to.toISOString().replace('T', ' ').replace('Z', '') };
    const c0 = process.cpuUsage(); const t0 = performance.now();
    await store.client.query({ query: (mode === 'run' ? '' : 'EXPLAIN PLAN ') + d.query, format: 'TabSeparated', query_params: qp, clickhouse_settings: DETECTOR_QUERY_SETTINGS }).then((r) => r.text());
    const cu = process.cpuUsage(c0); w += performance.now() - t0; c += (cu.user + cu.system) / 1000;
  }
  w /= hours.length; c /= hours.length; totW += w; totC += c;
  console.log(d.id.padEnd(42), mode ?? 'plan', 'wall', w.toFixed(0).padStart(6), 'cpu', c.toFixed(0).padStart(6), 'ms');
}
console.log('TOTAL per window'.padEnd(42), 'wall', totW.toFixed(0).padStart(6), 'cpu', totC.toFixed(0).padStart(6));
await store.close();
