import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { alertsPortFor } from '../../src/alerts/port.ts';
import { createApiServer } from '../../src/api/server.ts';
import type { SourceKind } from '../../src/decode/types.ts';
import { CONTROLS } from '../../src/detect/controls.ts';
import type { AnyDetector } from '../../src/detect/define-detector.ts';
import { loadDetectors } from '../../src/detect/registry.ts';
import { scratchDir, sharedScratchStore } from '../../src/detect/scratch-store.ts';
import { replayFiles } from '../../src/ingest/replay.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../../src/policy/load.ts';
import { syncPolicy } from '../../src/policy/sync.ts';
import { plantedDay } from '../../src/simulate/planted-day.ts';
import { selectRows } from '../../src/store/select-rows.ts';
import { policyLookups } from '../../src/views/policy-lookups.ts';
import { refreshPostureDays } from '../../src/views/posture-days.ts';
import { spendSeriesReport } from '../../src/views/spend-series.ts';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { metricsRegistry } from '../../src/telemetry/metrics.ts';
import { insertAlerts } from '../helpers/alert-rows.ts';

/**
 * The analyst console's data endpoints on the real engine, on the planted day
 * (src/simulate/planted-day.ts) replayed through the real decoders, the example policy synced, and
 * a few alerts and detector runs planted with pinned times. Each figure is checked against a count
 * computed here from the raw tables (not the roll-ups the endpoints read) with the example
 * policy's teams written out below, or against the scenario's own facts.
 * Run: DRIFTWATCH_SKIP_BROKER=1 npx vitest run test/integration/api-views.int.test.ts
 */

const READ = 'read-token-0123456789abcdef';
const WRITE = 'write-token-0123456789abcdef';
const scenario = plantedDay();
const DAY = scenario.day;
const NEXT = new Date(Date.parse(DAY) + 86_400_000).toISOString().slice(0, 10);
const NOW = new Date(scenario.window.to.getTime() + 6 * 3_600_000);
const DAY_START = Date.parse(`${DAY}T00:00:00Z`);
const at = (h: number) => new Date(DAY_START + h * 3_600_000);
const planted = (detector: string, entity?: string) => {
  const p = scenario.planted.find((x) => x.detector === detector && (entity === undefined || x.entity.startsWith(entity)));
  if (!p) throw new Error(`no planted ${detector}`);
  return p;
};

// policy.example.yaml's people and team aliases on the planted day, written out as an independent oracle.
const MEMBER: Record<string, string> = {
  'alice@example.com': 'team-platform-eng', 'dana.lee@example.com': 'team-platform-eng', 'bob.martin@example.com': 'team-platform-eng',
  'carol.nguyen@example.com': 'team-data', 'omar.haddad@example.com': 'team-data', 'dave.kim@example.com': 'team-web',
  'erin.walsh@example.com': 'team-ml', 'frank.ortiz@example.com': 'team-ml',
};
const ALIAS: Record<string, string> = {
  platform: 'team-platform-eng', 'platform eng': 'team-platform-eng', data: 'team-data', 'data eng': 'team-data',
  web: 'team-web', 'web fe': 'team-web', ml: 'team-ml', 'ml research': 'team-ml',
};
const agentTeam = (email: string, otel: string) => MEMBER[email] ?? ALIAS[otel.toLowerCase()] ?? (otel || '(unattributed)');

const log = createLogger(process.env['API_TEST_LOG'] ?? 'silent');
let store: Store;
let detectors: AnyDetector[];
let api: ReturnType<typeof createApiServer>;

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
async function get(path: string, token = READ) {
  const res = await api.app.request(path, { headers: auth(token) });
  return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
async function post(path: string, body: unknown, token = WRITE) {
  const res = await api.app.request(path, { method: 'POST', headers: { ...auth(token), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

interface TeamPosture {
  team: string;
  gatewayShare: { sessions: number; viaApprovedGateway: number; share: number | null };
  promptLogShare: { requests: number; logged: number; share: number | null };
  ownerShare: { events: number; named: number; share: number | null };
  models: { taskClass: string; model: string; approved: boolean; requests: number }[];
  tools: { kind: string; name: string; approved: boolean; uses: number }[];
  unheldCredentials: { credential: string; source: string; events: number }[];
  trend: { day: string; gatewayShare: number | null; promptLogShare: number | null; ownerShare: number | null }[];
  alerts: { open: number; byDetector: { detector: string; open: number }[] };
}

beforeAll(async () => {
  const scratch = await sharedScratchStore();
  store = scratch.store;
  const dir = scratchDir('api-views-replay');
  for (const source of ['gateway', 'billing', 'idp', 'agent'] as SourceKind[]) {
    const file = join(dir, `${source}.ndjson`);
    writeFileSync(file, `${scenario.records[source].map((r) => JSON.stringify(r)).join('\n')}\n`);
    await replayFiles(source, [file], scratch.config, store, log);
  }
  await syncPolicy(store, loadPolicyFile(EXAMPLE_POLICY_FILE).policy, EXAMPLE_POLICY_FILE);
  const bypass = planted('cross-source.session-without-gateway');
  await insertAlerts(store, [
    { id: 'v1', detector: bypass.detector, severity: 'high', audience: 'soc', team: 'team-web', identity: bypass.identity, entity: bypass.entity,
      windowStart: at(0), windowEnd: at(24) },
    { id: 'v2', detector: 'gateway.prompt-log-gap', severity: 'medium', audience: 'soc', team: 'team-platform-eng', identity: 'dana.lee@example.com',
      entity: 'team-platform-eng:unlogged-prompts', windowStart: at(0), windowEnd: at(24) },
    { id: 'v3', detector: 'billing.spend-above-approved', severity: 'medium', audience: 'finops', team: 'team-data', identity: 'carol.nguyen@example.com',
      entity: 'team:team-data:daily-budget', windowStart: at(0), windowEnd: at(24), impactUsd: 40 },
    { id: 'v4', detector: 'gateway.routing-drift', severity: 'low', audience: 'soc', team: 'team-web', identity: 'dave.kim@example.com',
      entity: 'routing:x', windowStart: at(10), windowEnd: at(11), status: 'resolved' },
    { id: 'v5', detector: 'gateway.routing-drift', severity: 'low', audience: 'soc', team: 'team-web', identity: 'dave.kim@example.com',
      entity: 'routing:y', windowStart: at(12), windowEnd: at(13) },
  ]);
  const run = (h: number, alerts: number) => ({
    detector: 'gateway.routing-drift', window_start: at(h - 1).toISOString().replace('T', ' ').replace('Z', ''),
    window_end: at(h).toISOString().replace('T', ' ').replace('Z', ''), evaluated_at: at(h + 0.25).toISOString().replace('T', ' ').replace('Z', ''),
    trigger: 'schedule', source_marks: {}, rows: alerts * 3, alerts, new_alerts: alerts, duration_ms: 100 + h,
  });
  await store.client.insert({ table: 'detector_runs', format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: '' },
    values: [run(11, 1), run(12, 0), run(13, 2)] });
  detectors = await loadDetectors();
  api = createApiServer({ store, log, detectors, metrics: metricsRegistry, tokens: { read: READ, write: WRITE }, alerts: alertsPortFor(store), clock: () => NOW });
}, 300_000);

describe('/api/posture', () => {
  let teams: TeamPosture[];
  const team = (id: string) => {
    const t = teams.find((x) => x.team === id);
    if (!t) throw new Error(`no posture for ${id}`);
    return t;
  };
  beforeAll(async () => {
    const res = await get(`/api/posture?from=${DAY}&to=${NEXT}`);
    expect(res.status).toBe(200);
    teams = res.body.teams;
  });

  it('gateway share per team equals the sessions counted from the raw telemetry and gateway logs', async () => {
    const sessions = await selectRows<{ session_id: string; email: string; otel: string; via: number }>(store, `
      SELECT session_id, argMaxIf(user_email, event_time, user_email != '') AS email, argMaxIf(toString(team_id), event_time, team_id != '') AS otel,
             session_id IN (SELECT session_id FROM gateway_requests WHERE session_id != '' AND toDate(event_time) = {d:Date}) AS via
      FROM agent_events WHERE session_id != '' AND toDate(event_time) = {d:Date}
      GROUP BY session_id HAVING countIf(event_name = 'api_request') > 0`, { d: DAY });
    const expected = new Map<string, { sessions: number; via: number }>();
    for (const s of sessions) {
      const t = agentTeam(s.email, s.otel);
      const e = expected.get(t) ?? { sessions: 0, via: 0 };
      e.sessions += 1;
      e.via += s.via ? 1 : 0;
      expected.set(t, e);
    }
    expect(expected.size).toBeGreaterThan(2);
    for (const [t, e] of expected) {
      expect(team(t).gatewayShare, t).toEqual({ sessions: e.sessions, viaApprovedGateway: e.via, share: e.via / e.sessions });
    }
    // dave's planted Console-login session went around the gateway.
    expect(team('team-web').gatewayShare.viaApprovedGateway).toBeLessThan(team('team-web').gatewayShare.sessions);
    expect(team('team-web').trend).toEqual([{ day: DAY, gatewayShare: team('team-web').gatewayShare.share,
      promptLogShare: team('team-web').promptLogShare.share, ownerShare: team('team-web').ownerShare.share }]);
  });

  it('prompt-log share: model requests and those logged with their prompt, as counted from the raw requests', async () => {
    const [raw] = await selectRows<{ n: number; logged: number }>(store, `
      SELECT countIf(empty(mcp_servers)) AS n, countIf(empty(mcp_servers) AND prompt_logged = 1) AS logged FROM gateway_requests
      WHERE toDate(event_time) = {d:Date}`, { d: DAY });
    expect(teams.reduce((n, t) => n + t.promptLogShare.requests, 0)).toBe(raw?.n);
    expect(teams.reduce((n, t) => n + t.promptLogShare.logged, 0)).toBe(raw?.logged);
    // team-platform-eng's planted LiteLLM node without prompt storage (hour 11) is in the team's unlogged requests.
    const platform = team('team-platform-eng').promptLogShare;
    const f = scenario.facts.platformHour11;
    expect(platform.requests - platform.logged).toBeGreaterThanOrEqual(f.unlogged);
    expect(platform.share).toBeLessThan(1);
  });

  it('owner share: every agent event is counted once; the shared devbox session is team-ml activity with no named owner', async () => {
    const [raw] = await selectRows<{ n: number; anon: number }>(store, `
      SELECT count() AS n, countIf(session_id = {anon:String}) AS anon FROM agent_events WHERE session_id != '' AND toDate(event_time) = {d:Date}`,
    { d: DAY, anon: planted('cross-source.ownerless-session', 'session:').entity.slice('session:'.length) });
    expect(teams.reduce((n, t) => n + t.ownerShare.events, 0)).toBe(raw?.n);
    const ml = team('team-ml').ownerShare;
    expect(raw?.anon).toBeGreaterThan(0);
    expect(ml.events - ml.named).toBe(raw?.anon);
    expect(team('team-data').ownerShare.share).toBe(1);
  });

  it('models per task class against the approved routing; tools and MCP servers against the approved lists', async () => {
    const opus = team('team-data').models.find((m) => m.model.startsWith('claude-opus'));
    expect(opus).toMatchObject({ taskClass: 'coding', approved: false });
    const [raw] = await selectRows<{ n: number }>(store, `SELECT count() AS n FROM gateway_requests
      WHERE toDate(event_time) = {d:Date} AND model_served LIKE 'claude-opus%' AND team_id IN ('data', 'Data Eng', 'team-data')`, { d: DAY });
    expect(opus?.requests).toBe(raw?.n);
    expect(team('team-ml').models.some((m) => m.model.startsWith('claude-opus') && m.approved)).toBe(true);
    const notion = team('team-data').tools.find((t) => t.kind === 'mcp_server' && t.name === 'notion');
    expect(notion?.approved).toBe(false);
    expect(notion?.uses).toBeGreaterThan(0);
    expect(team('team-data').tools.find((t) => t.kind === 'mcp_server' && t.name === 'snowflake')?.approved ?? true).toBe(true);
    for (const t of teams) expect(t.tools.filter((x) => x.kind === 'tool' && x.name === 'Read').every((x) => x.approved)).toBe(true);
  });

  it('unheld credentials: the planted personal Console login and Bedrock SSO role, by id only', () => {
    const web = team('team-web').unheldCredentials.map((c) => c.credential);
    expect(web.some((c) => planted('billing.unmanaged-key-usage', 'anthropic:').entity.endsWith(c))).toBe(true);
    expect(team('team-ml').unheldCredentials.map((c) => c.credential)).toContain(planted('billing.unmanaged-key-usage', 'bedrock:').credential);
    expect(team('team-data').unheldCredentials).toEqual([]);
  });

  it('open alerts per team and detector; a team filter keeps only that team', async () => {
    expect(team('team-web').alerts).toEqual({ open: 2, byDetector: [
      { detector: 'cross-source.session-without-gateway', open: 1 }, { detector: 'gateway.routing-drift', open: 1 }] });
    const one = await get(`/api/posture?from=${DAY}&to=${NEXT}&team=team-ml`);
    expect(one.body.teams.map((t: TeamPosture) => t.team)).toEqual(['team-ml']);
    expect(one.body.teams[0]).toEqual(team('team-ml'));
    expect((await get(`/api/posture?from=${NEXT}&to=${DAY}`)).status).toBe(400);
    expect((await api.app.request(`/api/posture?from=${DAY}&to=${NEXT}`)).status).toBe(401);
  });
});

describe('/api/spend/series', () => {
  it('per team and day: logged, billed, approved; team-ml matches the planted gateway spend of each day', async () => {
    const from = new Date(DAY_START - 7 * 86_400_000).toISOString().slice(0, 10);
    const res = await get(`/api/spend/series?from=${from}&to=${NEXT}`);
    expect(res.status).toBe(200);
    const ml = res.body.series.find((s: { team: string }) => s.team === 'team-ml');
    expect(ml.days).toHaveLength(8);
    const loggedOn = (day: number) => ml.days.find((d: { day: string }) => d.day === new Date(day).toISOString().slice(0, 10)).loggedUsd;
    expect(loggedOn(DAY_START)).toBeCloseTo(scenario.facts.mlSpend, 4);
    scenario.facts.mlHistorySpend.forEach((usd, i) => expect(loggedOn(DAY_START - (i + 1) * 86_400_000)).toBeCloseTo(usd, 4));
    for (const d of ml.days) expect(d.approvedUsd).toBe(300);
    const [raw] = await selectRows<{ logged: number; billed: number }>(store, `SELECT
      (SELECT sum(cost_usd) FROM gateway_requests WHERE toDate(event_time) = {d:Date}) AS logged,
      (SELECT sum(cost_usd) FROM provider_usage WHERE toDate(event_time) = {d:Date}) AS billed`, { d: DAY });
    const onDay = res.body.series.flatMap((s: { days: { day: string; loggedUsd: number; billedUsd: number; unexplainedUsd: number }[] }) => s.days.filter((d) => d.day === DAY));
    expect(onDay.reduce((n: number, d: { loggedUsd: number }) => n + d.loggedUsd, 0)).toBeCloseTo(Number(raw?.logged), 4);
    expect(onDay.reduce((n: number, d: { billedUsd: number }) => n + d.billedUsd, 0)).toBeCloseTo(Number(raw?.billed), 4);
    for (const d of onDay) expect(d.unexplainedUsd).toBeCloseTo(Math.max(0, d.billedUsd - d.loggedUsd), 5);
    const platform = res.body.series.find((s: { team: string }) => s.team === 'team-platform-eng');
    expect(platform.approvedChanges.map((c: { dailyUsd: number }) => c.dailyUsd)).toEqual([250]);
    expect(platform.approvedChanges[0].note).toContain('FIN-142');
  });

  it('top movers: the 7 days before `to` against the 7 before those; by model and by credential', async () => {
    const res = await get(`/api/spend/series?from=${DAY}&to=${NEXT}`);
    const ml = res.body.series.find((s: { team: string }) => s.team === 'team-ml');
    const billedToday = ml.days[0].billedUsd as number;
    const h = scenario.facts.mlHistorySpend;
    const thisWeek = Math.max(scenario.facts.mlSpend, billedToday) + h.slice(0, 6).reduce((a, b) => a + b, 0);
    const mover = res.body.topMovers.find((m: { team: string }) => m.team === 'team-ml');
    expect(mover.thisWeekUsd).toBeCloseTo(thisWeek, 4);
    expect(mover.lastWeekUsd).toBeCloseTo(h[6] as number, 4);
    expect(mover.changeUsd).toBeCloseTo(thisWeek - (h[6] as number), 4);
    const models = res.body.byModel.filter((m: { team: string }) => m.team === 'team-ml');
    expect(models.reduce((n: number, m: { loggedUsd: number }) => n + m.loggedUsd, 0)).toBeCloseTo(scenario.facts.mlSpend, 4);
    const creds = res.body.byCredential.filter((c: { team: string; source: string }) => c.team === 'team-ml' && c.source === 'gateway');
    expect(creds.reduce((n: number, c: { usd: number }) => n + c.usd, 0)).toBeCloseTo(scenario.facts.mlSpend, 4);
    // team-ml's batch project (policy credential openai-ml-batch, project only) bills to team-ml whatever key the job used.
    const [batch] = await selectRows<{ usd: number; key: string }>(store, `SELECT sum(cost_usd) AS usd, any(api_key_id) AS key FROM provider_usage
      WHERE provider = 'openai' AND workspace_id = 'proj_ml7Qk2' AND toDate(event_time) = {d:Date}`, { d: DAY });
    expect(Number(batch?.usd)).toBeGreaterThan(0);
    expect(res.body.byCredential.find((c: { team: string; source: string; credential: string }) => c.source === 'openai' && c.credential === batch?.key))
      .toMatchObject({ team: 'team-ml', usd: expect.closeTo(Number(batch?.usd), 4) });
  });
});

describe('spend by credential: each team\'s largest, the rest summed', () => {
  it('with one credential a team, the rest adds up to every other credential of the team', async () => {
    const q = { from: DAY, to: NEXT, team: [] };
    const all = await spendSeriesReport(store, q, { credentialsPerTeam: 1_000_000 });
    const top = await spendSeriesReport(store, q, { credentialsPerTeam: 1 });
    const teams = [...new Set(all.byCredential.map((c) => c.team))];
    expect(teams.length).toBeGreaterThan(1);
    expect(all.byCredentialRest).toEqual([]);
    let cut = 0;
    for (const team of teams) {
      const mine = all.byCredential.filter((c) => c.team === team);
      const shown = top.byCredential.filter((c) => c.team === team);
      const rest = top.byCredentialRest.find((r) => r.team === team);
      expect(shown).toEqual([mine[0]]);
      expect(shown.length + (rest?.credentials ?? 0)).toBe(mine.length);
      expect((shown[0]?.usd ?? 0) + (rest?.usd ?? 0)).toBeCloseTo(mine.reduce((n, c) => n + c.usd, 0), 4);
      cut += rest?.credentials ?? 0;
    }
    expect(cut).toBeGreaterThan(0);
  });
});

describe('/api/alerts/{id}/signal', () => {
  it('prompt-log-gap charts the unlogged share per hour; hour 11 is the planted node without prompt storage', async () => {
    const res = await get('/api/alerts/v2/signal');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'share', unit: 'share' });
    const [raw] = await selectRows<{ n: number; unlogged: number }>(store, `
      SELECT count() AS n, countIf(prompt_logged = 0) AS unlogged FROM gateway_requests
      WHERE empty(mcp_servers) AND toStartOfHour(event_time) = {h:DateTime} AND (team_id IN ('platform', 'Platform Eng', 'team-platform-eng')
        OR user_email IN ('alice@example.com', 'dana.lee@example.com', 'bob.martin@example.com'))`,
    { h: `${DAY} 11:00:00` });
    const p11 = res.body.points.find((p: { t: string }) => p.t === at(11).toISOString());
    expect(raw?.n).toBeGreaterThan(0);
    expect(p11.value).toBeCloseTo(Number(raw?.unlogged) / Number(raw?.n), 5);
    expect(p11.budget).toBe(0.05);
    expect(res.body.marks.map((m: { label: string }) => m.label)).toEqual(['incident start', 'incident end', 'alert raised']);
  });

  it('a finops detector charts daily spend against baseline and budget; a session alert its events per hour', async () => {
    const spend = await get('/api/alerts/v3/signal');
    expect(spend.body).toMatchObject({ kind: 'spend', unit: 'usd' });
    const today = spend.body.points.find((p: { t: string }) => p.t === at(0).toISOString());
    expect(today.budget).toBe(80);
    expect(today.value).toBeGreaterThan(80);
    const session = await get('/api/alerts/v1/signal');
    expect(session.body.kind).toBe('count');
    const sid = planted('cross-source.session-without-gateway').entity.slice('session:'.length);
    const [raw] = await selectRows<{ n: number }>(store, 'SELECT count() AS n FROM agent_events WHERE session_id = {s:String}', { s: sid });
    expect(session.body.points.reduce((n: number, p: { value: number }) => n + p.value, 0)).toBe(raw?.n);
    expect((await get('/api/alerts/nope/signal')).status).toBe(404);
  });
});

describe('/api/detectors and history; /api/controls', () => {
  it('history: runs newest first, alerts per day by first sighting; 404 for an unknown detector', async () => {
    const res = await get(`/api/detectors/gateway.routing-drift/history?from=${DAY}&to=${NEXT}`);
    expect(res.status).toBe(200);
    expect(res.body.runs.map((r: { alerts: number; outcome: string; durationMs: number }) => [r.alerts, r.outcome, r.durationMs]))
      .toEqual([[2, 'alerted', 113], [0, 'quiet', 112], [1, 'alerted', 111]]);
    expect(res.body.alertsPerDay).toEqual([{ day: DAY, count: 2 }]);
    expect((await get('/api/detectors/nope.nope/history')).status).toBe(404);
  });

  it('the detector list carries the console\'s metadata, with control names from the catalog', async () => {
    const res = await get('/api/detectors');
    const gap = res.body.detectors.find((d: { id: string }) => d.id === 'gateway.prompt-log-gap');
    expect(gap).toMatchObject({ category: 'gateway', signal: 'share', severity: 'medium' });
    expect(gap.falsePositives.length).toBeGreaterThan(0);
    expect(gap.controls.every((c: { name: string | null }) => c.name !== null)).toBe(true);
    expect(res.body.detectors.find((d: { id: string }) => d.id === 'gateway.routing-drift').lastRunAt).toBe(at(13.25).toISOString());
    const controls = await get('/api/controls');
    expect(controls.body).toHaveLength(CONTROLS.length);
    expect(controls.body.find((c: { id: string }) => c.id === 'ASI03')).toMatchObject({ framework: 'owaspAgentic', name: 'Identity and Privilege Abuse' });
  });
});

describe('/api/sources rejects', () => {
  it('count per source and reason, with redacted record prefixes: the shape, never the text or a key', async () => {
    const reject = (i: number, reason: string, raw: string, encoding = 'utf8') => ({
      rejected_at: `${DAY} 12:0${i}:00.000`, source: 'agent', topic: 't', partition: 0, offset: 100 + i, record_index: 0, reason, format: 'otlp',
      detail: `bad record ${i} with key sk-ant-api03-${'k'.repeat(40)}`, raw_encoding: encoding, raw_bytes: raw.length, raw,
    });
    // As an operator who set ingest.keepWholeRejects would have them: the whole message in the table.
    await store.client.insert({ table: 'ingest_rejects', format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: '' }, values: [
      reject(1, 'schema_violation', JSON.stringify({ prompt: 'the merger closes friday', api_key: `sk-ant-api03-${'s'.repeat(40)}`, tokens: 7 })),
      reject(2, 'schema_violation', JSON.stringify({ prompt: 'second prompt text' })),
      reject(3, 'invalid_json', '{"prompt": "unterminated confidential', ),
      reject(4, 'not_utf8', 'AAECAw==', 'base64'),
    ] });
    const res = await get(`/api/sources?from=${DAY}T00:00:00Z&to=${NEXT}T00:00:00Z`);
    const agent = (res.body.rejects as { source: string; reason: string; count: number; records: { rawPrefix: string; detail: string }[] }[])
      .filter((r) => r.source === 'agent');
    expect(agent.map((r) => [r.reason, r.count, r.records.length]).sort()).toEqual([['invalid_json', 1, 1], ['not_utf8', 1, 1], ['schema_violation', 2, 2]]);
    const text = JSON.stringify(agent);
    for (const secret of ['merger', 'second prompt', 'confidential', 's'.repeat(40), 'k'.repeat(40)]) expect(text).not.toContain(secret);
    const latest = agent.find((r) => r.reason === 'schema_violation')?.records[0];
    expect(latest?.rawPrefix).toMatch(/^\{"prompt":"\[\d+ chars\]"\}$/);
    expect(agent.find((r) => r.reason === 'not_utf8')?.records[0]?.rawPrefix).toBe('[8 bytes, not UTF-8]');
  });
});

describe('alert queue: counts and bulk triage', () => {
  it('counts per status under the filters; bulk actions answer per id and move the counts', async () => {
    const before = await get('/api/alerts/counts?team=team-web');
    expect(before.body.byStatus).toMatchObject({ open: 2, acknowledged: 0, resolved: 1, invalid: 0 });
    expect((await post('/api/alerts/actions', { ids: ['v1', 'v5'], action: { action: 'ack' } }, READ)).status).toBe(403);
    const bulk = await post('/api/alerts/actions', { ids: ['v1', 'v5', 'v4', 'missing'], action: { action: 'ack', actor: 'sam@example.com' } });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results.map((r: { id: string; ok: boolean; status: string | null; error: { code: string } | null }) => [r.id, r.ok, r.status, r.error?.code ?? null]))
      .toEqual([['v1', true, 'acknowledged', null], ['v5', true, 'acknowledged', null], ['v4', false, null, 'ALERT_BAD_TRANSITION'], ['missing', false, null, 'ALERT_NOT_FOUND']]);
    expect(bulk.body).toMatchObject({ succeeded: 2, failed: 2 });
    const after = await get('/api/alerts/counts?team=team-web&severity=low,high');
    expect(after.body.byStatus).toMatchObject({ open: 0, acknowledged: 2, resolved: 1 });
    expect((await post('/api/alerts/actions', { ids: [], action: { action: 'ack' } })).status).toBe(400);
    expect((await post('/api/alerts/actions', { ids: Array.from({ length: 501 }, (_, i) => `a${i}`), action: { action: 'ack' } })).status).toBe(400);
  });
});

describe('posture figures kept per day (src/views/posture-days.ts)', () => {
  const report = async (from: string, to: string) => {
    const res = await get(`/api/posture?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    return res.body.teams as TeamPosture[];
  };
  const of = (teams: TeamPosture[], id: string) => teams.find((t) => t.team === id);
  const AFTER = new Date(Date.parse(NEXT) + 86_400_000).toISOString().slice(0, 10);
  // Carol (team-data) in a session no gateway logged: one model request, as late telemetry would add it.
  const lateRequest = (time: string) => ({
    event_time: time, format: 'claude-code-otlp', event_name: 'api_request', session_id: 'posture-late-session',
    user_email: 'carol.nguyen@example.com', team_id: 'data', model: 'claude-sonnet-4-5', request_id: `late-${time}`,
  });
  const insertAgent = (row: object) =>
    store.client.insert({ table: 'agent_events', format: 'JSONEachRow', values: [row], clickhouse_settings: { insert_deduplication_token: '' } });
  const marker = async (day: string) =>
    (await selectRows<{ mark: string; n: number }>(store, `SELECT argMax(data_mark, computed_at) AS mark, count() AS n FROM posture_days
      WHERE day = {d:Date} AND part = 'day'`, { d: day }))[0];

  it('a day is computed once; data arriving late for it makes it computed again, with that data', async () => {
    const version = (await policyLookups(store, DAY, NEXT)).policy_version;
    const first = await report(DAY, NEXT);
    const kept = await marker(DAY);
    expect(kept?.mark).toMatch(/^[1-9]\d*(\.\d+){4}$/);
    expect(await refreshPostureDays(store, DAY, NEXT, version)).toBe(0);
    expect(await report(DAY, NEXT)).toEqual(first);
    expect((await marker(DAY))?.n).toBe(kept?.n);

    await insertAgent(lateRequest(`${DAY} 23:30:00.000`));
    const late = await report(DAY, NEXT);
    expect((await marker(DAY))?.mark).not.toBe(kept?.mark);
    const [was, now] = [of(first, 'team-data'), of(late, 'team-data')];
    expect(now?.gatewayShare).toMatchObject({ sessions: (was?.gatewayShare.sessions ?? 0) + 1, viaApprovedGateway: was?.gatewayShare.viaApprovedGateway });
    expect(now?.ownerShare).toMatchObject({ events: (was?.ownerShare.events ?? 0) + 1, named: (was?.ownerShare.named ?? 0) + 1 });
    expect(late.filter((t) => t.team !== 'team-data')).toEqual(first.filter((t) => t.team !== 'team-data'));
    expect(await refreshPostureDays(store, DAY, NEXT, version)).toBe(0);
  });

  it('a day without data is kept as a marker; a session seen on two days counts once over the period and on each day\'s trend', async () => {
    const one = await report(DAY, NEXT);
    const empty = await report(DAY, AFTER);
    expect(await marker(NEXT)).toMatchObject({ mark: '0.0.0.0.0' });
    expect(of(empty, 'team-data')?.gatewayShare).toEqual(of(one, 'team-data')?.gatewayShare);

    await insertAgent(lateRequest(`${NEXT} 00:10:00.000`));
    const two = await report(DAY, AFTER);
    const data = of(two, 'team-data');
    expect(data?.gatewayShare.sessions).toBe(of(one, 'team-data')?.gatewayShare.sessions);
    expect(data?.ownerShare.events).toBe((of(one, 'team-data')?.ownerShare.events ?? 0) + 1);
    expect(data?.trend.map((t) => t.day)).toEqual([DAY, NEXT]);
    expect(data?.trend[1]).toEqual({ day: NEXT, gatewayShare: 0, promptLogShare: null, ownerShare: 1 });
  });
});
