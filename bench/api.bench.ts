/**
 * npm run bench:api [-- --n 1000000 --alerts 3000 --runs 40 --dir DIR]   (a DIR holding an earlier run's day is measured again)
 *
 * The API's read paths on a generated day (bench/detect-data.ts, N gateway requests plus its
 * telemetry, billing and IdP traffic; roll-ups filled at insert, then merged) with the example
 * policy synced and a few thousand alerts: p50 / p95 over `runs` requests, in process through
 * app.request() (routing, auth, zod validation and serialisation included, no socket), of
 *   - a page of 50 alerts with filters (status, audience, severity, time), sorted by severity;
 *   - one alert with its evidence;
 *   - a 30-day spend series for all teams (groupBy=day);
 *   - a session trail (a session with gateway and telemetry traffic);
 * and the console's pages (src/views/):
 *   - governance posture, 7 days, all teams (/api/posture), with each day's figures kept
 *     (src/views/posture-days.ts), and again with the generated day's figures made stale before
 *     every request, as data arriving for the day does: what the first request after new data costs;
 *   - FinOps series, 30 days, all teams (/api/spend/series);
 *   - an alert's signal chart (/api/alerts/{id}/signal, alerts of spend, session and team-count kinds);
 *   - a detector's 30-day history (/api/detectors/{id}/history);
 *   - alert counts per status with filters (/api/alerts/counts);
 *   - source health with rejects, 24 h (/api/sources).
 * Each figure is also given as a ratio to the reference measured in the same run: /readyz, one
 * `SELECT 1` round trip to the store through the same app (what any request costs at the least).
 * The median CPU time per request (process user + system: the engine runs in this process, so its
 * threads count) is printed too: it depends far less on what else the machine runs than wall time.
 * Peak RSS of the bench process (VmHWM) is printed with them.
 * Then the idle RSS of an API process: a child opens the same store, starts the server, answers
 * /readyz once and idles 5 s.
 *
 * The alerts are read through the alert repository (src/alerts/repository.ts), as `driftwatch run` wires it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiServer } from '../src/api/server.ts';
import { loadConfig } from '../src/config/load.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../src/policy/load.ts';
import { syncPolicy } from '../src/policy/sync.ts';
import { migrate } from '../src/store/migrate.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { createLogger } from '../src/telemetry/logger.ts';
import { metricsRegistry } from '../src/telemetry/metrics.ts';
import { alertsPortFor } from '../src/alerts/port.ts';
import { loadDetectors } from '../src/detect/registry.ts';
import { insertAlerts, type AlertSeed } from '../test/helpers/alert-rows.ts';
import { generateDay } from './detect-data.ts';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    alerts: { type: 'string', default: '3000' },
    runs: { type: 'string', default: '40' },
    day: { type: 'string', default: '2026-10-20' },
    dir: { type: 'string' },
    idle: { type: 'boolean', default: false },
  },
});
const say = (msg: string) => process.stderr.write(`${msg}\n`);
const log = createLogger('error');
const TOKEN = 'bench-token-0123456789abcdef';

async function open(dir: string): Promise<Store> {
  const config = loadConfig({ env: {}, overrides: { 'clickhouse.dataDir': dir, logLevel: 'error' } });
  const store = await openStore(config.clickhouse);
  await migrate(store, log);
  return store;
}

const statusMiB = (field: 'VmRSS' | 'VmHWM') => Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024);
const rssMiB = () => statusMiB('VmRSS');

/** The child: an API process on the store, idle. Prints its RSS. */
async function idle(dir: string): Promise<void> {
  const store = await open(dir);
  const api = createApiServer({ store, log, detectors: await loadDetectors(), metrics: metricsRegistry, tokens: { read: TOKEN } });
  const running = await api.listen(0, '127.0.0.1');
  await fetch(`http://127.0.0.1:${running.port}/readyz`);
  await new Promise((r) => setTimeout(r, 5_000));
  process.stdout.write(`${JSON.stringify({ idleRssMiB: rssMiB() })}\n`);
  await running.close();
  await store.close();
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
}

async function main(): Promise<void> {
  const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'driftwatch-bench-api-'));
  if (args.idle) return idle(dir);
  const n = Number(args.n);
  const day = args.day;
  const store = await open(dir);
  const q = async <T>(query: string) => (await store.client.query({ query, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } })).json<T>();
  // A --dir that already holds a generated day (a finished earlier run) is measured again as it is: generating
  // 1 M requests takes minutes, the requests seconds.
  const [stored] = await q<{ n: number }>('SELECT count() AS n FROM gateway_requests');
  const reuse = Number(stored?.n ?? 0) > 0;
  if (reuse) say(`reusing the ${stored?.n} requests in ${dir}`);
  else {
    const t0 = performance.now();
    await generateDay(store, n, day, say);
    for (const t of ['gateway_requests', 'agent_events', 'provider_usage', 'idp_events', 'gateway_hourly', 'gateway_daily', 'gateway_sessions_hourly', 'provider_hourly']) {
      await store.client.command({ query: `OPTIMIZE TABLE ${t} FINAL`, clickhouse_settings: { max_execution_time: 0 } });
    }
    say(`generated ${n} requests in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  await syncPolicy(store, loadPolicyFile(EXAMPLE_POLICY_FILE).policy, EXAMPLE_POLICY_FILE);
  // A migration that builds an index on existing parts (0017) runs as a background mutation:
  // measure once it is done, or the first requests read parts without it.
  for (;;) {
    const [m] = await q<{ n: number }>('SELECT count() AS n FROM system.mutations WHERE NOT is_done');
    if (Number(m?.n ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }

  const sessions = await q<{ session_id: string }>(`SELECT session_id FROM gateway_sessions_hourly WHERE session_id != '' GROUP BY session_id ORDER BY sum(requests) DESC LIMIT 20`);
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  const DETECTORS = ['cross-source.session-without-gateway', 'cross-source.identity-switch', 'billing.spend-above-approved', 'gateway.routing-drift', 'cross-source.tool-scope-drift'];
  const SEV = ['info', 'low', 'medium', 'high', 'critical'];
  const STATUS = ['open', 'open', 'acknowledged', 'resolved', 'invalid'];
  const seeds: AlertSeed[] = Array.from({ length: Number(args.alerts) }, (_, i) => {
    const start = new Date(dayStart - (i % 30) * 86_400_000 + (i % 24) * 3_600_000);
    const session = sessions[i % Math.max(1, sessions.length)]?.session_id ?? `s${i}`;
    return {
      id: `bench-${i}`, detector: DETECTORS[i % DETECTORS.length] as string, severity: SEV[i % 5] as string, audience: i % 3 === 0 ? 'finops' : 'soc',
      team: ['team-platform-eng', 'team-data', 'team-web', 'team-ml'][i % 4] as string, identity: `dev${i % 500}@example.com`,
      entity: i % 2 === 0 ? `session:${session}` : `credential:litellm:${i}`, windowStart: start, windowEnd: new Date(start.getTime() + 3_600_000),
      status: STATUS[i % 5] as string, impactUsd: i % 7,
      evidence: { figures: { requests: i, session }, samples: Array.from({ length: 5 }, (_, k) => `{"request_id":"r${i}-${k}","model":"claude-sonnet-4-5","cost_usd":0.01}`) },
    };
  });
  // A kept day from bench:detect holds the detectors' alerts but not these: insert them unless an earlier bench:api run did.
  const [seeded] = await q<{ n: number }>("SELECT count() AS n FROM alerts WHERE startsWith(id, 'bench-')");
  if (Number(seeded?.n ?? 0) === 0) for (let i = 0; i < seeds.length; i += 1000) await insertAlerts(store, seeds.slice(i, i + 1000));

  // A few rejects, so /api/sources has groups and samples to return.
  const [rejected] = await q<{ n: number }>("SELECT count() AS n FROM ingest_rejects WHERE startsWith(detail, 'bench reject')");
  if (Number(rejected?.n ?? 0) === 0) await store.client.insert({ table: 'ingest_rejects', format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: '' },
    values: Array.from({ length: 300 }, (_, i) => ({
      rejected_at: new Date(dayStart + i * 60_000).toISOString().replace('T', ' ').replace('Z', ''), source: ['gateway', 'agent', 'billing'][i % 3],
      topic: 't', partition: 0, offset: i, record_index: 0, reason: ['schema_violation', 'invalid_json', 'unknown_format'][i % 3], format: '',
      detail: `bench reject ${i}`, raw_encoding: 'utf8', raw_bytes: 40, raw: `{"prompt":"[${i} chars]","n":${i}}`,
    })) });
  const detectors = await loadDetectors();
  const api = createApiServer({
    store, log, detectors, metrics: metricsRegistry, tokens: { read: TOKEN }, alerts: alertsPortFor(store), clock: () => new Date(dayStart + 86_400_000),
  });
  const to = new Date(dayStart + 86_400_000).toISOString().slice(0, 10);
  const from = new Date(dayStart - 29 * 86_400_000).toISOString().slice(0, 10);
  const week = new Date(dayStart - 6 * 86_400_000).toISOString().slice(0, 10);
  // The kept posture figures of the generated day, made older than its data: a marker with a mark no data has, newer than the kept one.
  const stalePostureDay = () => store.client.command({ query: `
    INSERT INTO posture_days (day, policy_version, data_mark, computed_at, part)
    SELECT {d:Date}, argMax(policy_version, loaded_at), 'stale', now64(3) + 1, 'day' FROM policy_versions`, query_params: { d: day } });
  const cases: [string, (i: number) => string, (() => Promise<unknown>)?][] = [
    ['reference: /readyz (SELECT 1)', () => '/readyz'],
    ['page of 50 alerts with filters', (i) => `/api/alerts?status=open,acknowledged&audience=soc&severity=high,critical,medium&from=${from}T00:00:00Z&to=${to}T00:00:00Z&sort=severity&limit=50&offset=${(i % 3) * 50}`],
    ['alert with evidence', (i) => `/api/alerts/bench-${(i * 37) % seeds.length}`],
    ['30-day spend series, all teams', () => `/api/spend?from=${from}&to=${to}&groupBy=day`],
    ['session trail', (i) => `/api/sessions/${sessions[i % Math.max(1, sessions.length)]?.session_id ?? 'none'}`],
    ['posture, 7 days, all teams', () => `/api/posture?from=${week}&to=${to}`],
    ['posture, 7 days, the day computed again', () => `/api/posture?from=${week}&to=${to}`, stalePostureDay],
    ['FinOps series, 30 days, all teams', () => `/api/spend/series?from=${from}&to=${to}`],
    ['alert signal chart', (i) => `/api/alerts/bench-${(i * 13) % seeds.length}/signal`],
    ['detector history, 30 days', (i) => `/api/detectors/${DETECTORS[i % DETECTORS.length]}/history?from=${from}&to=${to}`],
    ['alert counts with filters', () => `/api/alerts/counts?audience=soc&severity=high,critical,medium&from=${from}T00:00:00Z&to=${to}T00:00:00Z`],
    ['sources with rejects, 24 h', () => `/api/sources?from=${day}T00:00:00Z&to=${to}T00:00:00Z`],
  ];
  const runs = Number(args.runs);
  const results: Record<string, { p50: number; p95: number; cpuMs: number; status: number; p95VsReference?: number }> = {};
  for (const [name, path, before] of cases) {
    const times: number[] = [];
    const cpu: number[] = [];
    let status = 0;
    for (let i = -3; i < runs; i++) {
      await before?.();
      const t = performance.now();
      const c = process.cpuUsage();
      const res = await api.app.request(path(Math.max(0, i)), { headers: { Authorization: `Bearer ${TOKEN}` } });
      await res.arrayBuffer();
      status = res.status;
      const used = process.cpuUsage(c);
      if (i >= 0) { times.push(performance.now() - t); cpu.push((used.user + used.system) / 1000); }
    }
    results[name] = { p50: +percentile(times, 50).toFixed(1), p95: +percentile(times, 95).toFixed(1), cpuMs: +percentile(cpu, 50).toFixed(1), status };
    say(`${name}: p50 ${results[name]?.p50} ms, p95 ${results[name]?.p95} ms, CPU ${results[name]?.cpuMs} ms (HTTP ${status})`);
  }
  const reference = results['reference: /readyz (SELECT 1)']?.p95 ?? 0;
  for (const r of Object.values(results)) if (reference > 0) r.p95VsReference = +(r.p95 / reference).toFixed(1);
  const peakRssMiB = statusMiB('VmHWM');
  await store.close();
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--idle', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.on('close', r));
  const idleFigures = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { idleRssMiB?: number };
  process.stdout.write(`${JSON.stringify({ n, alerts: seeds.length, runs, latencyMs: results, peakRssMiB, idleApiRssMiB: idleFigures.idleRssMiB ?? null })}\n`);
  if (!args.dir) rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
