/**
 * npm run bench:deliver [-- --alerts 1000 --concurrency 16]
 *
 * How long the dispatcher takes to deliver N queued alerts (default 1,000) to a local webhook
 * receiver (node:http on 127.0.0.1, answers 200 at once), signed, with every attempt recorded in
 * the outbox, on the embedded engine in a fresh temp directory. The alerts are persisted and
 * enqueued first (not timed); the timing covers polls until nothing is pending. Target: < 10 s.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.ts';
import { fingerprintOf, persistAlerts, type Alert } from '../src/detect/alerts.ts';
import { migrate } from '../src/store/migrate.ts';
import { openStore } from '../src/store/store.ts';
import { enqueueDeliveries } from '../src/alerts/outbox.ts';
import { Dispatcher } from '../src/alerts/dispatcher.ts';
import { WebhookDestination } from '../src/alerts/destinations/webhook.ts';

const { values } = parseArgs({ options: { alerts: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '16' } } });
const n = Number(values.alerts);
const dir = mkdtempSync(join(tmpdir(), 'dw-bench-deliver-'));
let received = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received += 1;
    res.writeHead(200).end('ok');
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

const config = loadConfig({ env: { DRIFTWATCH_DATA_DIR: dir, LOG_LEVEL: 'silent' } });
const store = await openStore(config.clickhouse);
try {
  await migrate(store);
  // A pinned clock: the outbox decides what is due by it, so the run does not depend on today.
  const now = new Date('2026-10-20T12:00:00Z');
  const alerts: Alert[] = Array.from({ length: n }, (_, i) => {
    const entity = `key:bench-${i}`;
    const fp = fingerprintOf('cross-source.gateway-bypass', entity, new Date('2026-10-20T00:00:00Z'), new Date('2026-10-21T00:00:00Z'));
    return {
      id: `dw-${fp.slice(0, 20)}`, fingerprint: fp, detector: 'cross-source.gateway-bypass', title: 'Bench alert', severity: 'high', audience: 'soc',
      team: 'team-bench', identity: `user${i}@example.com`, credential: 'anthropic:apikey_01', entity,
      windowStart: '2026-10-20T00:00:00.000Z', windowEnd: '2026-10-21T00:00:00.000Z', summary: 'bench', impactUsd: 1,
      evidence: { figures: { requests: i, cost_usd: 1 }, samples: [{ i }] },
      controls: { owaspAgentic: [], maestro: [], nistAiRmf: [], nistCsf: [] }, policyVersion: 'bench',
      firstSeen: now.toISOString(), lastSeen: now.toISOString(), status: 'open',
    };
  });
  const { created } = await persistAlerts(store, alerts, now);
  const queued = await enqueueDeliveries(store, created, [{ match: {}, destinations: ['hook'] }], now);
  const dispatcher = new Dispatcher(store, {
    destinations: [new WebhookDestination('hook', url, 'bench-secret')], consoleBaseUrl: 'http://localhost:8080',
    clock: () => now, batchSize: 500, concurrency: Number(values.concurrency),
  });
  const t0 = performance.now();
  let polls = 0;
  while (received < n && polls < 100) {
    await dispatcher.runOnce();
    polls += 1;
  }
  const seconds = (performance.now() - t0) / 1000;
  const res = await store.client.query({ query: "SELECT countIf(state = 'delivered') AS delivered, count() AS total FROM alert_deliveries FINAL", format: 'JSONEachRow' });
  const [row] = await res.json<{ delivered: string; total: string }>();
  process.stdout.write(
    `bench:deliver  queued ${queued.queued}  received ${received}  delivered(outbox) ${row?.delivered}/${row?.total}  polls ${polls}  ` +
    `${seconds.toFixed(2)} s  ${(n / seconds).toFixed(0)} alerts/s  target < 10 s: ${seconds < 10 && received === n ? 'met' : 'NOT met'}\n`,
  );
} finally {
  await store.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
