import { loadConfig } from './src/config/load.ts';
import { openStore } from './src/store/store.ts';
const [dir] = process.argv.slice(2);
const store = await openStore(loadConfig({ env: {}, overrides: { 'clickhouse.dataDir': dir } }).clickhouse);
await store.client.command({ query: 'USE driftwatch' });
const views = await store.client.query({ query: "SELECT name FROM system.tables WHERE database='driftwatch' AND engine='View' AND name LIKE 'policy_%'", format: 'JSONEachRow' }).then((r) => r.json<{ name: string }>());
for (const { name } of views) {
  await store.client.command({ query: `CREATE TABLE ${name}_tmp ENGINE = Memory AS SELECT * FROM ${name}` });
  await store.client.command({ query: `DROP VIEW ${name}` });
  await store.client.command({ query: `RENAME TABLE ${name}_tmp TO ${name}` });
  console.log('materialized', name);
}
await store.close();
