import { loadConfig } from './src/config/load.ts';
import { openStore } from './src/store/store.ts';
import { loadDetectors } from './src/detect/registry.ts';
import { DETECTOR_QUERY_SETTINGS } from './src/detect/run.ts';
import { resolveParams } from './src/detect/define-detector.ts';
const [dir, id, settingsJson, mode] = process.argv.slice(2);
const store = await openStore(loadConfig({ env: {}, overrides: { 'clickhouse.dataDir': dir } }).clickhouse);
await store.client.command({ query: 'USE driftwatch' });
const d = (await loadDetectors()).find((x) => x.id === id)!;
const params = resolveParams(d, undefined) as Record<string, unknown>;
const to = new Date('2026-11-20T12:00:00Z');
const qp = { ...params, from: new Date(to.getTime() - d.scheduleMs.lookback).toISOString().replace('T', ' ').replace('Z', ''), to: '2026-11-20 12:00:00.000' };
const extra = JSON.parse(settingsJson ?? '{}');
for (let k = 0; k < 3; k++) {
  const t0 = performance.now();
  const txt = await store.client.query({ query: (mode === 'run' ? '' : 'EXPLAIN PLAN ') + d.query, format: 'TabSeparated', query_params: qp, clickhouse_settings: { ...DETECTOR_QUERY_SETTINGS, ...extra } }).then((r) => r.text());
  console.log(id, mode ?? 'plan', settingsJson, (performance.now() - t0).toFixed(0), 'ms', txt.split('\n').length, 'lines');
}
await store.close();
