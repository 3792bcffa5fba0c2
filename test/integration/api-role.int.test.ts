import { afterAll, describe, expect, it } from 'vitest';
import { loadDetectors } from '../../src/detect/registry.ts';
import { sharedScratchStore } from '../../src/detect/scratch-store.ts';
import type { Role } from '../../src/service/role.ts';
import { roleFactories } from '../../src/service/role-factories.ts';
import { createLogger } from '../../src/telemetry/logger.ts';

/**
 * An api-only process (`driftwatch run --role api`) has no detect role to hand it the detectors:
 * the api role loads the registry itself, so /api/detectors lists the corpus there too. The console's
 * pages answer on an empty store (no policy synced, no data) with empty figures.
 * Built by the same factories `run` uses, on the embedded engine, over a real socket.
 * Run: DRIFTWATCH_SKIP_BROKER=1 npx vitest run test/integration/api-role.int.test.ts
 */

const READ = 'read-token-0123456789abcdef';
let role: Role | undefined;

afterAll(async () => {
  await role?.stop();
});

describe('api role alone', () => {
  it('serves the whole detector corpus without a detect role', async () => {
    const { store, config } = await sharedScratchStore();
    const factory = roleFactories({}).api;
    if (!factory) throw new Error('no api role factory');
    role = await factory({
      config: { ...config, api: { ...config.api, readToken: READ } }, store, log: createLogger('silent'), port: 0, readiness: () => ({}),
    });
    await role.start();
    const ready = role.ready();
    const port = (ready.detail as { port: number }).port;
    const res = await fetch(`http://127.0.0.1:${port}/api/detectors`, { headers: { Authorization: `Bearer ${READ}` } });
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as { detectors: { id: string }[] }).detectors.map((d) => d.id).sort();
    expect(ids).toEqual((await loadDetectors()).map((d) => d.id).sort());
    expect(ids.length).toBeGreaterThan(5);
  });

  it('answers the console\'s pages on an empty store with empty figures, not an error', async () => {
    const port = ((role?.ready().detail ?? {}) as { port: number }).port;
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { Authorization: `Bearer ${READ}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const posture = await get('/api/posture?from=2026-10-01&to=2026-10-08');
    expect(posture).toEqual({ status: 200, body: { from: '2026-10-01', to: '2026-10-08', teams: [] } });
    const series = await get('/api/spend/series?from=2026-10-01&to=2026-10-08');
    expect(series).toEqual({ status: 200, body: { from: '2026-10-01', to: '2026-10-08', series: [], byModel: [], byCredential: [], byCredentialRest: [], topMovers: [] } });
    const history = await get('/api/detectors/gateway.routing-drift/history?from=2026-10-01&to=2026-10-03');
    expect(history.body['alertsPerDay']).toEqual([{ day: '2026-10-01', count: 0 }, { day: '2026-10-02', count: 0 }]);
    expect((await get('/api/alerts/counts')).body).toEqual({ byStatus: { open: 0, acknowledged: 0, resolved: 0, invalid: 0, suppressed: 0 } });
  });
});
