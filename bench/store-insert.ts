/**
 * Child of bench:store. Inserts pre-encoded TSV files into a fresh embedded engine and reports the
 * CPU that costs, background merges included. Runs in its own process so the figures are the
 * engine's alone (one chdb engine per process; the decode work stays in the parent).
 * Usage: node --import tsx bench/store-insert.ts <filesDir> <driftwatch|no-rollups|raw-only> <dataDir>
 * (no-rollups: driftwatch's tables with the roll-up materialized views dropped, to show their share)
 * Prints one JSON line: {cpuSeconds, seconds, inserts, bytes, peakRssBytes, parts}.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../src/store/store.ts';
import { migrate } from '../src/store/migrate.ts';
import { TABLE_COLUMNS } from '../src/normalize/columns.ts';
import type { DataTable } from '../src/normalize/rows.ts';
import { RAW_ONLY_TABLE } from './store-files.ts';
import { ownCpuSeconds } from './thread-cpu.ts';

const [filesDir, mode, dataDir] = process.argv.slice(2);
const MODES = ['driftwatch', 'no-rollups', 'raw-only'];
if (!filesDir || !MODES.includes(mode ?? '') || !dataDir) throw new Error(`usage: <filesDir> <${MODES.join('|')}> <dataDir>`);

const store = await openStore({ dataDir, database: 'driftwatch', username: 'default', password: '' } as never);
const count = async (sql: string) => Number((await (await store.client.query({ query: sql, format: 'JSONEachRow' })).json<{ c: string }>())[0]?.c ?? 0);
if (mode !== 'raw-only') {
  await migrate(store);
  if (mode === 'no-rollups') {
    const views = await (await store.client.query({ query: `SELECT name FROM system.tables WHERE database = 'driftwatch' AND engine = 'MaterializedView'`, format: 'JSONEachRow' })).json<{ name: string }>();
    for (const v of views) await store.client.command({ query: `DROP VIEW driftwatch.${v.name}` });
  }
} else {
  await store.client.command({ query: 'CREATE DATABASE IF NOT EXISTS driftwatch' });
  // The shape bench:ingest's native reference stores: the message as one compressed string.
  await store.client.command({ query: `CREATE TABLE driftwatch.${RAW_ONLY_TABLE} (received_at DateTime64(3) DEFAULT now64(3), raw String CODEC(ZSTD(3))) ENGINE = MergeTree ORDER BY received_at` });
}
// Start-up merges of the migration's own tables must not land in the measurement.
while ((await count('SELECT count() c FROM system.merges')) > 0) await new Promise((r) => setTimeout(r, 200));

const files = readdirSync(filesDir).filter((f) => f.endsWith('.tsv')).sort();
const cpu0 = ownCpuSeconds();
const t0 = performance.now();
let bytes = 0;
for (const file of files) {
  // <seq>.<table>.tsv: the files of one batch, in the order the sink writes them.
  const table = file.split('.')[1] as string;
  const payload = readFileSync(join(filesDir, file));
  bytes += payload.byteLength;
  const columns = table === RAW_ONLY_TABLE ? ['raw'] : TABLE_COLUMNS[table as DataTable];
  await store.insertTsv(table, columns, payload, `bench-store-${file}`);
}
// Merges are part of what an insert costs: wait until the engine has had nothing to merge for 3 s.
for (let quiet = 0; quiet < 3;) {
  await new Promise((r) => setTimeout(r, 1000));
  quiet = (await count('SELECT count() c FROM system.merges')) === 0 ? quiet + 1 : 0;
}
const cpuSeconds = ownCpuSeconds() - cpu0;
const seconds = (performance.now() - t0) / 1000 - 3;
const parts = await count(`SELECT count() c FROM system.parts WHERE database = 'driftwatch' AND active`);
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
process.stdout.write(`${JSON.stringify({ cpuSeconds, seconds, inserts: files.length, bytes, peakRssBytes, parts })}\n`);
await store.close();
process.exit(0);
