import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../src/api/server.ts';
import { buildDestinations } from '../../src/alerts/destinations/index.ts';
import { Dispatcher } from '../../src/alerts/dispatcher.ts';
import { enqueueDeliveries } from '../../src/alerts/outbox.ts';
import { persistAlerts } from '../../src/detect/alerts.ts';
import { evaluateWindow } from '../../src/detect/cycle.ts';
import { loadDetectors } from '../../src/detect/registry.ts';
import { DetectorScheduler } from '../../src/detect/scheduler.ts';
import { sharedScratchStore } from '../../src/detect/scratch-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { metricsRegistry } from '../../src/telemetry/metrics.ts';
import { makeAlert } from '../helpers/alerts.ts';
import { startReceiver, type Receiver } from '../helpers/http-receiver.ts';

/**
 * /metrics of the real API server after the code paths that own each metric ran on the real store:
 * alerts raised (persisting alerts), deliveries by destination and outcome and the outbox depth
 * with its oldest pending age (the dispatcher against real local HTTP receivers, one of them down),
 * detector runs by outcome (a window evaluated, a cycle that failed). Consumer lag is checked
 * against a real broker in run.int.test.ts.
 */
const T0 = new Date('2026-10-20T10:00:00Z');
const log = createLogger('silent');
let store: Store;
let up: Receiver;
let down: Receiver;

beforeAll(async () => {
  ({ store } = await sharedScratchStore());
  [up, down] = await Promise.all([startReceiver(), startReceiver()]);
  down.mode = 'fail';
});
afterAll(async () => {
  await Promise.all([up.close(), down.close()]);
});

async function scrape(): Promise<string> {
  const api = createApiServer({ store, log, detectors: [], metrics: metricsRegistry, tokens: {} });
  return (await api.app.request('/metrics')).text();
}

/** The value of one series, e.g. series(text, 'driftwatch_outbox_depth', { destination: 'up' }). */
function series(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('service metrics on /metrics', () => {
  it('alerts raised, deliveries by outcome, outbox depth and oldest pending age', async () => {
    const alert = makeAlert({ entity: 'key:m', windowStart: '2026-10-20T09:00:00Z', windowEnd: '2026-10-20T10:00:00Z', severity: 'critical' }, T0);
    const { created } = await persistAlerts(store, [alert], T0);
    await enqueueDeliveries(store, created, [{ match: {}, destinations: ['up', 'down'] }], T0);
    const clock = { now: new Date(T0.getTime() + 90_000) };
    const dispatcher = new Dispatcher(store, {
      destinations: buildDestinations({ destinations: [
        { name: 'up', type: 'webhook', url: `${up.url}/hook`, secretFromEnv: 'HOOK_SECRET', topic: 'driftwatch.alerts' },
        { name: 'down', type: 'webhook', url: `${down.url}/hook`, secretFromEnv: 'HOOK_SECRET', topic: 'driftwatch.alerts' },
      ] }, { env: { HOOK_SECRET: 'whsec-metrics' } }),
      consoleBaseUrl: 'https://dw.example.com', maxAttempts: 2, baseDelayMs: 1_000, timeoutMs: 2_000, clock: () => clock.now,
    });
    await dispatcher.runOnce();
    let text = await scrape();
    expect(series(text, 'driftwatch_alerts_raised_total', { detector: alert.detector, severity: 'critical' })).toBe(1);
    expect(series(text, 'driftwatch_deliveries_total', { destination: 'up', status: 'delivered' })).toBe(1);
    expect(series(text, 'driftwatch_deliveries_total', { destination: 'down', status: 'retrying' })).toBe(1);
    expect(series(text, 'driftwatch_outbox_depth', { destination: 'up' })).toBe(0);
    expect(series(text, 'driftwatch_outbox_depth', { destination: 'down' })).toBe(1);
    // Queued at T0, measured at T0 + 90 s.
    expect(series(text, 'driftwatch_outbox_oldest_pending_age_seconds', { destination: 'down' })).toBe(90);
    expect(series(text, 'driftwatch_outbox_oldest_pending_age_seconds', { destination: 'up' })).toBe(0);

    clock.now = new Date(clock.now.getTime() + 60_000);
    await dispatcher.runOnce();
    text = await scrape();
    expect(series(text, 'driftwatch_deliveries_total', { destination: 'down', status: 'failed' })).toBe(1);
    expect(series(text, 'driftwatch_outbox_depth', { destination: 'down' })).toBe(0);
    expect(up.accepted).toHaveLength(1);
    expect(down.all).toHaveLength(2);
  });

  it('detector runs and their duration by outcome', async () => {
    const [detector] = await loadDetectors();
    if (!detector) throw new Error('no detectors');
    const window = { from: new Date('2026-10-20T09:00:00Z'), to: new Date('2026-10-20T10:00:00Z') };
    await evaluateWindow({ store, log, policyVersion: 'p1' }, detector, window, 'schedule', T0);
    const scheduler = new DetectorScheduler({
      store, log, detectors: [detector], now: () => T0,
      policyVersion: async () => { throw new Error('policy store unreachable'); },
    });
    await scheduler.tick(detector);
    const text = await scrape();
    expect(series(text, 'driftwatch_detector_runs_total', { detector: detector.id, outcome: 'ok' })).toBe(1);
    expect(series(text, 'driftwatch_detector_runs_total', { detector: detector.id, outcome: 'failed' })).toBe(1);
    expect(series(text, 'driftwatch_detector_run_duration_seconds_count', { detector: detector.id, outcome: 'ok' })).toBe(1);
    expect(series(text, 'driftwatch_detector_run_duration_seconds_count', { detector: detector.id, outcome: 'failed' })).toBe(1);
  });
});
