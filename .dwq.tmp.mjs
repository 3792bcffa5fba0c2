import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
const c = createClient({ connection: createChdbConnection({ path: process.argv[2] }) });
const r = await c.query({ query: process.argv[3], format: 'JSONEachRow' });
for (const row of await r.json()) console.log(JSON.stringify(row));
await c.close();
