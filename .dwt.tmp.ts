import { loadConfig } from './src/config/load.ts';
import { openStore } from './src/store/store.ts';
const [dir, ...qs] = process.argv.slice(2);
const store = await openStore(loadConfig({ env: {}, overrides: { 'clickhouse.dataDir': dir } }).clickhouse);
await store.client.command({ query: 'USE driftwatch' });
for (const q of qs) {
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    const txt = await store.client.query({ query: q, format: 'TabSeparated' }).then((r) => r.text());
    console.log((performance.now() - t0).toFixed(1).padStart(8), 'ms', q.slice(0, 90).replace(/\s+/g, ' '), '->', txt.slice(0, 60).replace(/\n/g, ' | '));
  }
}
await store.close();
