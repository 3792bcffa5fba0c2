/**
 * node --import tsx test/helpers/crash-after-persist.ts DATA_DIR DATABASE — the crash between
 * storing an alert and queueing its deliveries, for real: takes the scheduler lease (3 s TTL) as the
 * active detect replica does, stores one alert the way a detector cycle does (persistBatchAlerts),
 * prints its id and fingerprint, and kills itself with SIGKILL at the point where the detect role
 * would queue it (its onNewAlerts), still holding the lease. Test code only: nothing in src/ has a
 * crash hook.
 */
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/store.ts';
import { migrate } from '../../src/store/migrate.ts';
import { persistBatchAlerts } from '../../src/detect/alerts.ts';
import { Lease } from '../../src/service/lease.ts';
import { makeAlert } from './alerts.ts';

const [dataDir, database] = process.argv.slice(2);
const config = loadConfig({ env: { DRIFTWATCH_DATA_DIR: dataDir, CLICKHOUSE_DATABASE: database, LOG_LEVEL: 'silent' } });
const store = await openStore(config.clickhouse);
await migrate(store);
const lease = new Lease({ store, name: 'scheduler', ttlMs: 3_000 });
if (!(await lease.tryAcquire())) throw new Error('the scheduler lease was taken');
const now = new Date('2026-10-20T10:00:00Z');
const alert = makeAlert({ entity: 'key:crash', windowStart: '2026-10-20T09:00:00Z', windowEnd: '2026-10-20T10:00:00Z' }, now);
const [created] = await persistBatchAlerts(store, [[alert]], now);
if (created?.length !== 1) throw new Error('the alert was not new');
process.stdout.write(`${alert.id} ${alert.fingerprint}\n`, () => process.kill(process.pid, 'SIGKILL'));
