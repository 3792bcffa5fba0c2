/**
 * node --import tsx test/helpers/seed-alerts.ts DATA_DIR — stores two alerts (pinned times) in an
 * embedded data directory for CLI tests, in a child process (chdb: one data directory per process),
 * and prints the first alert's id.
 */
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/store.ts';
import { migrate } from '../../src/store/migrate.ts';
import { persistAlerts } from '../../src/detect/alerts.ts';
import { enqueueDeliveries } from '../../src/alerts/outbox.ts';
import { makeAlert } from './alerts.ts';

const config = loadConfig({ env: { DRIFTWATCH_DATA_DIR: process.argv[2], LOG_LEVEL: 'silent' } });
const store = await openStore(config.clickhouse);
try {
  await migrate(store);
  const now = new Date('2026-10-20T10:00:00Z');
  const a = makeAlert({ entity: 'key:a', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z' }, now);
  const b = makeAlert({ entity: 'key:b', windowStart: '2026-10-20T00:00:00Z', windowEnd: '2026-10-21T00:00:00Z', severity: 'low', team: 'team-data' }, now);
  const { created } = await persistAlerts(store, [a, b], now);
  await enqueueDeliveries(store, created, [], now);
  process.stdout.write(`${a.id}\n`);
} finally {
  await store.close();
}
