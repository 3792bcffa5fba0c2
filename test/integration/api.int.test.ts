import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../src/api/server.ts';
import type { SourceKind } from '../../src/decode/types.ts';
import type { AnyDetector } from '../../src/detect/define-detector.ts';
import { loadDetectors } from '../../src/detect/registry.ts';
import { scratchDir, sharedScratchStore } from '../../src/detect/scratch-store.ts';
import { replayFiles } from '../../src/ingest/replay.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../../src/policy/load.ts';
import { syncPolicy } from '../../src/policy/sync.ts';
import { sessionTrail } from '../../src/sessions/trail.ts';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { ingestEvents, metricsRegistry } from '../../src/telemetry/metrics.ts';
import { plantedDay } from '../../src/simulate/planted-day.ts';
import { insertAlerts, tableAlertsPort } from '../helpers/table-alerts-port.ts';

/**
 * The HTTP API end to end on the real engine: the planted day (src/simulate/planted-day.ts) replayed
 * through the real decoders into a scratch store, the example policy synced, a few alerts in the
 * alerts table behind a table-backed AlertsPort, and the app driven through app.request() (and
 * once over a real socket). "Now" is pinned to the day after the planted day.
 * Run: DRIFTWATCH_SKIP_BROKER=1 npx vitest run test/integration/api.int.test.ts
 */

const READ = 'read-token-0123456789abcdef';
const WRITE = 'write-token-0123456789abcdef';
const scenario = plantedDay();
const DAY = scenario.day;
const NOW = new Date(scenario.window.to.getTime() + 6 * 3_600_000);
const log = createLogger(process.env['API_TEST_LOG'] ?? 'silent');
let store: Store;
let detectors: AnyDetector[];
let api: ReturnType<typeof createApiServer>;
let ready = { ready: true, reasons: [] as string[] };
const shared = scenario.planted.find((p) => p.detector === 'cross-source.identity-switch')?.entity.replace('session:', '') as string;

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
async function get(path: string, token = READ) {
  const res = await api.app.request(path, { headers: auth(token) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { [k: string]: any } }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
async function post(path: string, body: unknown, token = WRITE) {
  const res = await api.app.request(path, { method: 'POST', headers: { ...auth(token), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

beforeAll(async () => {
  const scratch = await sharedScratchStore();
  store = scratch.store;
  const dir = scratchDir('api-replay');
  for (const source of ['gateway', 'billing', 'idp', 'agent'] as SourceKind[]) {
    const file = join(dir, `${source}.ndjson`);
    const lines = scenario.records[source].map((r) => JSON.stringify(r));
    if (source === 'gateway') lines.push('{"not": "a gateway log"}');
    writeFileSync(file, `${lines.join('\n')}\n`);
    await replayFiles(source, [file], scratch.config, store, log);
  }
  await syncPolicy(store, loadPolicyFile(EXAMPLE_POLICY_FILE).policy, EXAMPLE_POLICY_FILE);
  const at = (h: number) => new Date(Date.parse(`${DAY}T00:00:00Z`) + h * 3_600_000);
  await insertAlerts(store, [
    { id: 'a1', detector: 'cross-source.identity-switch', severity: 'high', audience: 'soc', team: 'team-platform-eng', identity: 'alice@example.com',
      entity: `session:${shared}`, windowStart: at(16), windowEnd: at(17), evidence: { figures: { session: shared }, samples: ['line 1'] } },
    { id: 'a2', detector: 'billing.spend-above-approved', severity: 'medium', audience: 'finops', team: 'team-ml', identity: 'erin@example.com',
      entity: 'team:team-ml', windowStart: at(0), windowEnd: at(24), impactUsd: 120 },
    { id: 'a3', detector: 'gateway.routing-drift', severity: 'low', audience: 'soc', team: 'team-web', identity: 'dave@example.com',
      entity: 'route:x', windowStart: at(10), windowEnd: at(11), status: 'resolved' },
  ]);
  // Rejects carry their ingest time (wall clock), so the one in the window is planted with a pinned time.
  await store.client.insert({ table: 'ingest_rejects', format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: '' },
    values: [{ rejected_at: `${DAY} 12:00:00.000`, source: 'gateway', topic: 't', partition: 0, offset: 1, record_index: 0, reason: 'schema_violation',
      format: 'litellm', detail: 'missing field startTime', raw_encoding: 'utf8', raw_bytes: 20, raw: '{"api_key":"sk-secret"}' }] });
  await store.client.insert({ table: 'detector_watermarks', format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: '' },
    values: [{ detector: 'billing.spend-above-approved', watermark: `${DAY} 23:00:00.000`, updated_at: `${DAY} 23:00:00.000` }] });
  detectors = await loadDetectors();
  api = createApiServer({
    store, log, detectors, metrics: metricsRegistry, tokens: { read: READ, write: WRITE }, alerts: tableAlertsPort(store),
    readiness: () => ready, clock: () => NOW,
  });
}, 300_000);

afterAll(() => {
  ready = { ready: true, reasons: [] };
});

describe('open endpoints', () => {
  it('healthz is live, readyz follows the store and the readiness callback', async () => {
    expect((await api.app.request('/healthz')).status).toBe(200);
    expect(await (await api.app.request('/readyz')).json()).toEqual({ ready: true, reasons: [] });
    ready = { ready: false, reasons: ['consumers not assigned'] };
    const res = await api.app.request('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, reasons: ['consumers not assigned'] });
    ready = { ready: true, reasons: [] };
  });

  it('metrics expose the ingest counters the replay incremented', async () => {
    const res = await api.app.request('/metrics');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('driftwatch_ingest_events_total{source="gateway"}');
    expect(text).toContain('driftwatch_ingest_rejects_total{source="gateway"');
    expect(text).toContain('driftwatch_alerts_raised_total');
    expect((await ingestEvents.get()).values.length).toBeGreaterThan(0);
  });

  it('serves an OpenAPI 3.1 document with every path', async () => {
    const res = await api.app.request('/openapi.json');
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/alerts', '/api/alerts/actions', '/api/alerts/counts', '/api/alerts/{id}', '/api/alerts/{id}/actions', '/api/alerts/{id}/signal',
      '/api/controls', '/api/detectors', '/api/detectors/{id}/history', '/api/posture', '/api/sessions/{id}', '/api/sources', '/api/spend',
      '/api/spend/series', '/console/login', '/console/logout', '/console/session', '/healthz', '/metrics', '/readyz',
    ]);
    expect(doc.components.securitySchemes['bearer']).toBeDefined();
  });
});

describe('tokens', () => {
  it('401 without or with a wrong token, 200 with either token on a read', async () => {
    expect((await api.app.request('/api/alerts')).status).toBe(401);
    expect((await get('/api/alerts', 'nope')).status).toBe(401);
    expect((await get('/api/alerts', `${READ}x`)).status).toBe(401);
    expect((await api.app.request('/api/alerts', { headers: { Authorization: `Basic ${READ}` } })).status).toBe(401);
    expect((await get('/api/alerts', READ)).status).toBe(200);
    expect((await get('/api/alerts', WRITE)).status).toBe(200);
  });

  it('403 for the read token on a write; the write token acts', async () => {
    const denied = await post('/api/alerts/a2/actions', { action: 'ack' }, READ);
    expect(denied.status).toBe(403);
    expect(denied.body['error'].code).toBe('FORBIDDEN');
    expect((await post('/api/alerts/a2/actions', { action: 'comment', text: 'looking' }, WRITE)).status).toBe(200);
  });

  it('an API without tokens configured refuses everyone', async () => {
    const closed = createApiServer({ store, log, detectors, metrics: metricsRegistry, tokens: {} });
    expect((await closed.app.request('/api/detectors', { headers: auth('') })).status).toBe(401);
  });
});

describe('/api/alerts through the port', () => {
  it('lists with filters and paging', async () => {
    const all = await get('/api/alerts');
    expect(all.body['total']).toBe(3);
    expect(all.body['countsByStatus']).toEqual({ open: 2, resolved: 1 });
    const soc = await get('/api/alerts?audience=soc&status=open');
    expect(soc.body['items'].map((a: { id: string }) => a.id)).toEqual(['a1']);
    const page = await get('/api/alerts?limit=1&offset=1&sort=severity&order=desc');
    expect(page.body['items'].map((a: { id: string }) => a.id)).toEqual(['a2']);
    const windowed = await get(`/api/alerts?from=${DAY}T15:00:00Z&to=${DAY}T18:00:00Z&team=team-platform-eng,team-ml`);
    expect(windowed.body['error']).toBeUndefined();
    expect(windowed.body['items'].map((a: { id: string }) => a.id).sort()).toEqual(['a1', 'a2']);
  });

  it('400 with the issues for a bad filter', async () => {
    const bad = await get('/api/alerts?limit=0&sort=nope');
    expect(bad.status).toBe(400);
    expect(bad.body['error'].issues.map((i: { path: string }) => i.path).sort()).toEqual(['limit', 'sort']);
  });

  it('shows one alert with its evidence; 404 for an unknown id', async () => {
    const one = await get('/api/alerts/a1');
    expect(one.status).toBe(200);
    expect(one.body['evidence']).toEqual({ figures: { session: shared }, samples: ['line 1'] });
    expect((await get('/api/alerts/nope')).status).toBe(404);
  });

  it('actions move the status; a bad transition is 409, an unknown alert 404, a bad body 400', async () => {
    const acked = await post('/api/alerts/a1/actions', { action: 'ack', actor: 'sam@example.com' });
    expect(acked.body['status']).toBe('acknowledged');
    expect((await post('/api/alerts/a1/actions', { action: 'assign', assignee: 'kim@example.com' })).body['assignee']).toBe('kim@example.com');
    const resolved = await post('/api/alerts/a1/actions', { action: 'resolve', note: 'expected handover' });
    expect(resolved.body['status']).toBe('resolved');
    expect((await post('/api/alerts/a1/actions', { action: 'ack' })).status).toBe(409);
    expect((await post('/api/alerts/a1/actions', { action: 'reopen' })).body['status']).toBe('open');
    expect((await post('/api/alerts/nope/actions', { action: 'ack' })).status).toBe(404);
    const bad = await post('/api/alerts/a1/actions', { action: 'invalid' });
    expect(bad.status).toBe(400);
    expect(bad.body['error'].issues.length).toBeGreaterThan(0);
    expect((await post('/api/alerts/a1/actions', { action: 'snooze', until: 'tomorrow' })).status).toBe(400);
  });
});

describe('/api/spend', () => {
  it('per team: logged, billed, approved, unexplained = max(0, billed - logged)', async () => {
    const next = new Date(Date.parse(DAY) + 86_400_000).toISOString().slice(0, 10);
    const res = await get(`/api/spend?from=${DAY}&to=${next}&groupBy=team`);
    expect(res.status).toBe(200);
    const rows = res.body['rows'] as { key: string; loggedUsd: number; billedUsd: number; approvedUsd: number | null; unexplainedUsd: number }[];
    expect(rows.length).toBeGreaterThan(1);
    for (const r of rows) expect(r.unexplainedUsd).toBeCloseTo(Math.max(0, r.billedUsd - r.loggedUsd), 5);
    // Logged spend is the gateways' own cost, whatever the grouping.
    const [raw] = await (await store.client.query({
      query: `SELECT sum(cost_usd) AS c FROM gateway_requests WHERE toDate(event_time) = {d:Date}`, query_params: { d: DAY }, format: 'JSONEachRow',
    })).json<{ c: number }>();
    expect(res.body['totals'].loggedUsd).toBeCloseTo(Number(raw?.c), 4);
    expect(rows.some((r) => r.approvedUsd !== null && r.approvedUsd > 0)).toBe(true);
    const byModel = await get(`/api/spend?from=${DAY}&to=${next}&groupBy=model`);
    expect(byModel.body['totals'].loggedUsd).toBeCloseTo(Number(raw?.c), 4);
    expect(byModel.body['totals'].approvedUsd).toBeNull();
    const byDay = await get(`/api/spend?from=${DAY}&to=${next}&groupBy=day`);
    expect(byDay.body['rows'].map((r: { key: string }) => r.key)).toEqual([DAY]);
    const oneTeam = await get(`/api/spend?from=${DAY}&to=${next}&team=${rows[0]?.key}`);
    expect(oneTeam.body['rows'].map((r: { key: string }) => r.key)).toEqual([rows[0]?.key]);
  });

  it('400 when from is not before to', async () => {
    expect((await get(`/api/spend?from=${DAY}&to=${DAY}`)).status).toBe(400);
  });
});

describe('/api/sources', () => {
  it('per source and team: last event, lag, completeness; rejects with samples of the detail', async () => {
    const res = await get(`/api/sources?from=${DAY}T00:00:00Z&to=${scenario.window.to.toISOString()}`);
    expect(res.status).toBe(200);
    const sources = res.body['sources'] as { source: string; team: string; completeness: number; lastEventAt: string; ingestLagSeconds: number }[];
    expect(new Set(sources.map((s) => s.source))).toEqual(new Set(['gateway', 'billing', 'idp', 'agent']));
    for (const s of sources) {
      expect(s.completeness).toBeGreaterThan(0);
      expect(s.completeness).toBeLessThanOrEqual(1);
      expect(Date.parse(s.lastEventAt)).toBeLessThan(NOW.getTime());
    }
    const rejects = res.body['rejects'] as { source: string; count: number; samples: string[] }[];
    const gateway = rejects.find((r) => r.source === 'gateway');
    expect(gateway).toMatchObject({ reason: 'schema_violation', count: 1, samples: ['missing field startTime'] });
    expect(JSON.stringify(res.body)).not.toContain('sk-secret');
  });
  it('a window not aligned to hours counts exactly what the raw tables hold in it (whole hours from the roll-up, the edges raw)', async () => {
    const from = new Date(`${DAY}T09:30:00.250Z`);
    const to = new Date(scenario.window.to.getTime() - 17 * 60_000 - 1);
    const res = await get(`/api/sources?from=${from.toISOString()}&to=${to.toISOString()}`);
    expect(res.status).toBe(200);
    const ch = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');
    const raw = await (await store.client.query({
      query: [['gateway', 'gateway_requests', 'team_id'], ['billing', 'provider_usage', 'team_id'], ['idp', 'idp_events', 'idp'], ['agent', 'agent_events', 'team_id']]
        .map(([source, table, team]) => `SELECT '${source}' AS source, toString(${team}) AS team, count() AS events, uniqExact(toStartOfHour(event_time)) AS hours,
                 toString(max(event_time)) AS last_event FROM ${table}
          WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} GROUP BY team`).join(' UNION ALL '),
      query_params: { from: ch(from), to: ch(to) }, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    })).json<{ source: string; team: string; events: number; hours: number; last_event: string }>();
    expect(raw.length).toBeGreaterThan(3);
    const key = (r: { source: string; team: string }) => `${r.source}/${r.team}`;
    const sources = res.body['sources'] as { source: string; team: string; events: number; hoursWithEvents: number; lastEventAt: string }[];
    expect(sources.map((s) => [key(s), s.events, s.hoursWithEvents, s.lastEventAt]).sort())
      .toEqual(raw.map((r) => [key(r), r.events, r.hours, `${r.last_event.replace(' ', 'T')}Z`]).sort());
  });
});

describe('/api/detectors', () => {
  it('lists the corpus with watermark, next run, outcome and alert counts', async () => {
    const res = await get('/api/detectors');
    const list = res.body['detectors'] as { id: string; outcome: string; nextRunAt: string | null; alerts: { total: number } }[];
    expect(list.length).toBe(detectors.length);
    const spend = list.find((d) => d.id === 'billing.spend-above-approved');
    expect(spend?.outcome).not.toBe('never-run');
    expect(spend?.nextRunAt).not.toBeNull();
    expect(spend?.alerts.total).toBe(1);
    expect(list.find((d) => d.id === 'gateway.routing-drift')?.outcome).toBe('never-run');
  });
});

describe('session trail on the planted day', () => {
  it('reconstructs the shared session across sources: both people, their keys, cost, IdP context, the alert citing it', async () => {
    const trail = await sessionTrail(store, shared);
    expect(trail).toBeDefined();
    if (!trail) return;
    expect(trail.owner.resolvedBy).not.toBe('unresolved');
    const emails = new Set(trail.identities.filter((i) => i.kind === 'email').map((i) => i.value));
    expect(emails.size).toBeGreaterThanOrEqual(2);
    expect(trail.credentials.some((c) => c.source === 'gateway')).toBe(true);
    expect(trail.models.length).toBeGreaterThan(0);
    const [logged] = await (await store.client.query({
      query: 'SELECT sum(cost_usd) AS c, count() AS n FROM gateway_requests WHERE session_id = {s:String}', query_params: { s: shared }, format: 'JSONEachRow',
    })).json<{ c: number; n: string }>();
    expect(trail.cost.loggedUsd).toBeCloseTo(Number(logged?.c), 6);
    expect(trail.cost.gatewayRequests).toBe(Number(logged?.n));
    expect(trail.alerts.map((a) => a.id)).toEqual(['a1']);
    const times = trail.timeline.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(trail.timeline.map((e) => e.source))).toContain('gateway');
    expect(new Set(trail.timeline.map((e) => e.source))).toContain('agent');
  });

  it('finds billing rows carrying a session id, and answers 404 for an unknown session', async () => {
    const [billed] = await (await store.client.query({
      query: "SELECT session_id FROM provider_usage WHERE session_id != '' LIMIT 1", format: 'JSONEachRow',
    })).json<{ session_id: string }>();
    if (billed) {
      const res = await get(`/api/sessions/${encodeURIComponent(billed.session_id)}`);
      expect(res.status).toBe(200);
      expect(res.body['cost'].billedRecords).toBeGreaterThan(0);
    }
    expect((await get('/api/sessions/no-such-session')).status).toBe(404);
  });

  it('serves over a real socket', async () => {
    const running = await api.listen(0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${running.port}/api/sessions/${shared}`, { headers: auth(READ) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { sessionId: string }).sessionId).toBe(shared);
    } finally {
      await running.close();
    }
  });
});
