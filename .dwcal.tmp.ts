import { loadConfig } from './src/config/load.ts';
import { openStore } from './src/store/store.ts';
const [dir, ...qs] = process.argv.slice(2);
const store = await openStore(loadConfig({ env: {}, overrides: { 'clickhouse.dataDir': dir } }).clickhouse);
await store.client.command({ query: 'USE driftwatch' });
for (const q of qs) {
  let c = 0, w = 0;
  for (let k = 0; k < 10; k++) {
    const c0 = process.cpuUsage(); const t0 = performance.now();
    await store.client.query({ query: q, format: 'TabSeparated' }).then((r) => r.text());
    const cu = process.cpuUsage(c0); if (k > 0) { c += (cu.user + cu.system) / 1000; w += performance.now() - t0; }
  }
  console.log('cpu', (c / 9).toFixed(1).padStart(7), 'wall', (w / 9).toFixed(1).padStart(7), q.slice(0, 110).replace(/\s+/g, ' '));
}
await store.close();
