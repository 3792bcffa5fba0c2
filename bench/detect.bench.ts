/**
 * npm run bench:detect [-- --sizes 1000000,10000000 --day 2026-08-19 --keep --no-reference --lanes 2]
 *
 * Time for ONE full detector cycle over a day — every detector over every window of one UTC day,
 * exactly as `driftwatch detect --from <day> --to <day+1>` (and a day of scheduler catch-up) runs
 * them (src/detect/once.ts: readiness check, batched queries, evaluate, alerts stored) with
 * policy.example.yaml synced — over a day of N gateway requests plus proportional agent, billing
 * and IdP rows (bench/detect-data.ts states the mix). The reference, measured in the same process
 * on the same data, is the same detectors with one query per window (how the scheduler evaluates
 * its newest window); the bench checks both raise the same alerts. The day's total is timed as
 * `detect` runs it, detectors side by side in `service.detectLanes` lanes (each on its own store
 * session); the per-detector figures come from a pass with each detector alone.
 *
 * Per size, in a fresh embedded data directory (chdb: one data directory per process):
 *   1. child `--phase gen`: migrate, generate the day inside ClickHouse (INSERT … SELECT FROM
 *      numbers), merge every table to its final parts (OPTIMIZE FINAL: a day-old partition is merged,
 *      and no background merge may run during the timing);
 *   2. child `--phase detect`: a cold process — migrate, sync the policy, run the day batched, then
 *      the reference, then the scheduler's steady-state cycle (every detector's latest window).
 * Prints per-detector seconds, queries, rows and bytes read (the engine's SelectedRows /
 * SelectedBytes ProfileEvents), alerts, the peak RSS of each detector (VmHWM, reset between
 * detectors; the engine runs in-process, so this is engine + Node), the totals, the ratio to the
 * reference and between sizes. `--phase detect --dir DIR` re-runs on a kept directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.ts';
import type { AnyDetector } from '../src/detect/define-detector.ts';
import { detectOnce } from '../src/detect/once.ts';
import { batchWindows, planWindows } from '../src/detect/plan.ts';
import { loadDetectors } from '../src/detect/registry.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../src/policy/load.ts';
import { syncPolicy } from '../src/policy/sync.ts';
import { migrate } from '../src/store/migrate.ts';
import { ROLLUPS } from '../src/store/rollups.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { createLogger } from '../src/telemetry/logger.ts';
import { dayShape, generateDay } from './detect-data.ts';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: process.env['BENCH_SIZES'] ?? '1000000,10000000' },
    day: { type: 'string', default: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10) },
    phase: { type: 'string' },
    n: { type: 'string' },
    dir: { type: 'string' },
    detector: { type: 'string', multiple: true },
    keep: { type: 'boolean', default: false },
    'no-reference': { type: 'boolean', default: false },
    // Detectors side by side (service.detectLanes, as `detect` and the scheduler run them); the per-detector figures are one at a time.
    lanes: { type: 'string' },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const say = (msg: string) => process.stderr.write(`${msg}\n`);
// 'error': the readiness warnings detect prints for the day's last window would drown the figures.
const log = createLogger('error');
const TABLES = ['gateway_requests', 'agent_events', 'provider_usage', 'idp_events'] as const;
// The roll-ups the source tables feed at insert (schemas/clickhouse/0010_rollups.sql), merged like their sources.
const ALL_TABLES = TABLES.flatMap((t) => [t, ...ROLLUPS[t]]);

async function open(dir: string): Promise<Store> {
  const config = loadConfig({ env: {}, overrides: { 'clickhouse.dataDir': dir, logLevel: 'warn' } });
  const store = await openStore(config.clickhouse);
  await migrate(store, log);
  return store;
}

function vm(field: 'VmHWM' | 'VmRSS'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
}

/** Resets the peak-RSS counter (Linux clear_refs 5), so each detector's own peak can be read. */
function resetPeak(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux: the peaks are then cumulative
  }
}

async function events(store: Store): Promise<Record<string, number>> {
  const res = await store.client.query({
    query: "SELECT event, value FROM system.events WHERE event IN ('SelectedRows', 'SelectedBytes', 'ReadCompressedBytes')",
    format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return Object.fromEntries((await res.json<{ event: string; value: number }>()).map((r) => [r.event, Number(r.value)]));
}

async function phaseGen(n: number, dir: string, day: string): Promise<void> {
  const store = await open(dir);
  const t0 = performance.now();
  await generateDay(store, n, day, say);
  const generated = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  for (const table of ALL_TABLES) await store.client.command({ query: `OPTIMIZE TABLE ${table} FINAL`, clickhouse_settings: { max_execution_time: 0 } });
  const merged = (performance.now() - t1) / 1000;
  const res = await store.client.query({
    query: `SELECT table, sum(rows) AS rows, count() AS parts, sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed
            FROM system.parts WHERE database = currentDatabase() AND active AND table IN {t:Array(String)} GROUP BY table`,
    query_params: { t: ALL_TABLES }, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const tables = Object.fromEntries((await res.json<{ table: string; rows: number; parts: number; compressed: number; uncompressed: number }>())
    .map((r) => [r.table, { rows: Number(r.rows), parts: Number(r.parts), compressedMiB: Math.round(r.compressed / 2 ** 20), uncompressedMiB: Math.round(r.uncompressed / 2 ** 20) }]));
  await store.close();
  process.stdout.write(`${JSON.stringify({ generatedSeconds: +generated.toFixed(1), mergedSeconds: +merged.toFixed(1), peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), tables })}\n`);
}

interface DetectorFigures { id: string; windows: number; queries: number; seconds: number; cpuSeconds: number; rowsRead: number; bytesRead: number; resultRows: number; alerts: number; newAlerts: number; peakRssMiB: number }

interface CycleFigures { seconds: number; cpuSeconds: number; detectors: DetectorFigures[]; fingerprints: string[] }

/** Every detector over the day, one after the other, with per-detector figures. */
async function timeCycle(store: Store, detectors: AnyDetector[], request: { from: Date; to: Date }, now: Date, policyVersion: string, oneWindowPerQuery: boolean): Promise<CycleFigures> {
  await store.client.command({ query: 'TRUNCATE TABLE alerts' });
  const figures: DetectorFigures[] = [];
  const fingerprints: string[] = [];
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  for (const detector of detectors) {
    const windows = planWindows(detector, request, now);
    const queries = oneWindowPerQuery ? windows.length : batchWindows(detector, windows).length;
    const f: DetectorFigures = { id: detector.id, windows: 0, queries, seconds: 0, cpuSeconds: 0, rowsRead: 0, bytesRead: 0, resultRows: 0, alerts: 0, newAlerts: 0, peakRssMiB: 0 };
    const before = await events(store);
    resetPeak();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const created = await detectOnce(store, [detector], request, {
      now, policyVersion, log, oneWindowPerQuery,
      onWindow: (_d, run) => {
        f.windows += 1;
        f.resultRows += run.rows;
        f.alerts += run.alerts.length;
      },
    });
    f.newAlerts = created.length;
    fingerprints.push(...created.map((a) => a.fingerprint));
    f.seconds = +((performance.now() - t0) / 1000).toFixed(2);
    const cpu = process.cpuUsage(c0);
    f.cpuSeconds = +((cpu.user + cpu.system) / 1e6).toFixed(2);
    f.peakRssMiB = Math.round(vm('VmHWM') / 2 ** 20);
    const after = await events(store);
    f.rowsRead = (after['SelectedRows'] ?? 0) - (before['SelectedRows'] ?? 0);
    f.bytesRead = (after['SelectedBytes'] ?? 0) - (before['SelectedBytes'] ?? 0);
    figures.push(f);
    say(`  ${f.id.padEnd(40)} ${f.seconds.toFixed(2).padStart(7)} s  ${f.cpuSeconds.toFixed(2).padStart(7)} s cpu  ${String(f.windows).padStart(3)} windows in ${String(f.queries).padStart(3)} queries  ${(f.rowsRead / 1e6).toFixed(1).padStart(8)} M rows read  ${f.newAlerts} new alerts`);
  }
  const cpuAll = process.cpuUsage(cpu0);
  return { seconds: +((performance.now() - started) / 1000).toFixed(2), cpuSeconds: +((cpuAll.user + cpuAll.system) / 1e6).toFixed(2), detectors: figures, fingerprints: fingerprints.sort() };
}

async function phaseDetect(dir: string, day: string, only: string[] | undefined, reference: boolean, lanes: number): Promise<void> {
  const store = await open(dir);
  const { policy } = loadPolicyFile(EXAMPLE_POLICY_FILE);
  const { version: policyVersion } = await syncPolicy(store, policy, EXAMPLE_POLICY_FILE, log);
  const detectors = ((await loadDetectors()) as AnyDetector[]).filter((d) => !only || only.includes(d.id));
  const from = new Date(`${day}T00:00:00Z`);
  const request = { from, to: new Date(from.getTime() + 86_400_000) };
  const now = new Date();
  const loadAvgAtStart = +(loadavg()[0] ?? 0).toFixed(2);
  // Each detector alone, batched: the per-detector figures.
  say('  the day, batched (one query per batch detector per day), one detector at a time:');
  const cycle = await timeCycle(store, detectors, request, now, policyVersion, false);
  // The product: what `driftwatch detect --from <day> --to <day+1>` runs, detectors side by side in lanes.
  await store.client.command({ query: 'TRUNCATE TABLE alerts' });
  const d0 = performance.now();
  const dc0 = process.cpuUsage();
  const inLanes = await detectOnce(store, detectors, request, { now, policyVersion, log, lanes });
  const daySeconds = +((performance.now() - d0) / 1000).toFixed(2);
  const dayCpu = process.cpuUsage(dc0);
  const lanesSameAlerts = JSON.stringify(inLanes.map((a) => a.fingerprint).sort()) === JSON.stringify(cycle.fingerprints);
  say(`  the day in ${lanes} lanes (as detect runs it): ${daySeconds} s, ${inLanes.length} alerts${lanesSameAlerts ? ', the same as one at a time' : ', ALERTS DIFFER FROM ONE AT A TIME'}`);
  const loadAvgAtEnd = +(loadavg()[0] ?? 0).toFixed(2);
  // The reference, same process, same data: one query per window.
  let ref: CycleFigures | null = null;
  if (reference) {
    say('  reference, window by window (one query per window):');
    ref = await timeCycle(store, detectors, request, now, policyVersion, true);
  }
  const sameAlerts = ref === null ? null : JSON.stringify(ref.fingerprints) === JSON.stringify(cycle.fingerprints);
  // The scheduler's steady state: every detector once, over its latest complete window at the end
  // of the day (what `driftwatch detect --at` and each node-cron tick evaluate), with the whole day in store.
  await store.client.command({ query: 'TRUNCATE TABLE alerts' });
  const s0 = performance.now();
  const sc0 = process.cpuUsage();
  await detectOnce(store, detectors, { at: request.to }, { now, policyVersion, log, lanes });
  const scheduledCycleSeconds = +((performance.now() - s0) / 1000).toFixed(2);
  const scheduledCycleCpu = process.cpuUsage(sc0);
  say(`  scheduled cycle (every detector once, latest window): ${scheduledCycleSeconds} s`);
  await store.close();
  process.stdout.write(`${JSON.stringify({
    lanes, totalSeconds: daySeconds, totalCpuSeconds: +((dayCpu.user + dayCpu.system) / 1e6).toFixed(2), lanesSameAlerts,
    inOrderSeconds: cycle.seconds, inOrderCpuSeconds: cycle.cpuSeconds, alerts: cycle.fingerprints.length,
    referenceSeconds: ref?.seconds ?? null, referenceCpuSeconds: ref?.cpuSeconds ?? null, sameAlerts,
    scheduledCycleSeconds, scheduledCycleCpuSeconds: +((scheduledCycleCpu.user + scheduledCycleCpu.system) / 1e6).toFixed(2),
    loadAvgAtStart, loadAvgAtEnd, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    detectors: cycle.detectors, referenceDetectors: ref?.detectors ?? [],
  })}\n`);
}

function child(phase: string, extra: string[]): Record<string, unknown> {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/detect.bench.ts'), '--phase', phase, ...extra],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (res.status !== 0) throw new Error(`bench:detect ${phase} failed (exit ${res.status})`);
  return JSON.parse(res.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
}

interface SizeResult {
  n: number;
  gen: Record<string, unknown>;
  detect: {
    scheduledCycleSeconds: number; scheduledCycleCpuSeconds: number; totalSeconds: number; totalCpuSeconds: number; alerts: number;
    lanes: number; lanesSameAlerts: boolean; inOrderSeconds: number; inOrderCpuSeconds: number;
    referenceSeconds: number | null; referenceCpuSeconds: number | null; sameAlerts: boolean | null;
    maxRssMiB: number; loadAvgAtStart: number; loadAvgAtEnd: number; detectors: DetectorFigures[]; referenceDetectors: DetectorFigures[];
  };
}

function report(results: SizeResult[], day: string): void {
  const size = (r: SizeResult) => `${r.n / 1e6}M`;
  const head = ['detector', ...results.flatMap((r) => [`${size(r)} s`, `${size(r)} queries`, `${size(r)} ref s`, `${size(r)} Mrows`, `${size(r)} MiB`])];
  const rows: string[][] = [];
  for (const d of results[0]?.detect.detectors ?? []) {
    rows.push([d.id, ...results.flatMap((r) => {
      const x = r.detect.detectors.find((y) => y.id === d.id);
      const ref = r.detect.referenceDetectors.find((y) => y.id === d.id);
      return x ? [x.seconds.toFixed(2), String(x.queries), ref ? ref.seconds.toFixed(2) : '-', (x.rowsRead / 1e6).toFixed(1), String(x.peakRssMiB)] : ['', '', '', '', ''];
    })]);
  }
  rows.push(['one detector at a time', ...results.flatMap((r) => [r.detect.inOrderSeconds.toFixed(2), '', '', '', ''])]);
  rows.push([`TOTAL (the day, ${results[0]?.detect.lanes ?? 1} lanes)`, ...results.flatMap((r) => [r.detect.totalSeconds.toFixed(2), String(r.detect.detectors.reduce((a, d) => a + d.queries, 0)),
    r.detect.referenceSeconds === null ? '-' : r.detect.referenceSeconds.toFixed(2),
    (r.detect.detectors.reduce((a, d) => a + d.rowsRead, 0) / 1e6).toFixed(1), String(r.detect.maxRssMiB)])]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const out = ['', `bench:detect — every detector over every window of ${day} (detect --from ${day}T00:00Z --to +24h), embedded ClickHouse;`,
    's = wall seconds, batched as detect runs it, each detector alone; TOTAL = the day as detect runs it, detectors side by side in',
    'service.detectLanes lanes (each on its own session); ref s = the reference in the same process: one query per window;',
    'Mrows = rows the engine read (batched), MiB = peak RSS (per detector: its own peak; engine in-process)'];
  for (const r of results) {
    const t = r.gen['tables'] as Record<string, { rows: number; compressedMiB: number }>;
    const src = ['gateway_requests', 'agent_events', 'provider_usage', 'idp_events'].map((k) => `${k} ${(t[k]?.rows ?? 0).toLocaleString('en-US')} rows / ${t[k]?.compressedMiB ?? 0} MiB`);
    out.push(`  ${size(r)}: ${src.join(', ')}; ${dayShape(r.n).users} users; generated in ${String(r.gen['generatedSeconds'])} s + merged in ` +
      `${String(r.gen['mergedSeconds'])} s; load average ${r.detect.loadAvgAtStart} at start, ${r.detect.loadAvgAtEnd} at end of the batched day`);
  }
  out.push('', line(head), ...rows.map(line), '');
  for (const r of results) {
    // Like for like: both one detector at a time.
    const ratio = r.detect.referenceSeconds ? ` = ${(r.detect.inOrderSeconds / r.detect.referenceSeconds).toFixed(2)}x the reference's ${r.detect.referenceSeconds} s` : '';
    const same = (r.detect.sameAlerts === null ? '' : r.detect.sameAlerts ? ', the same alerts as the reference' : ', ALERTS DIFFER FROM THE REFERENCE') +
      (r.detect.lanesSameAlerts ? '' : ', LANES RAISED OTHER ALERTS THAN ONE AT A TIME');
    out.push(`${size(r)}: the day in ${r.detect.totalSeconds} s (${r.detect.totalCpuSeconds} s CPU) in ${r.detect.lanes} lanes, ${r.detect.inOrderSeconds} s one detector at a time${ratio}; ${r.detect.alerts} alerts${same}; ` +
      `scheduled cycle (every detector once over its latest window) ${r.detect.scheduledCycleSeconds} s; peak RSS ${r.detect.maxRssMiB} MiB`);
  }
  if (results.length > 1) {
    const a = results[0] as SizeResult;
    const b = results[results.length - 1] as SizeResult;
    out.push('', `ratio ${size(b)} / ${size(a)}: ${(b.detect.totalSeconds / a.detect.totalSeconds).toFixed(2)}x wall, ` +
      `${(b.detect.totalCpuSeconds / a.detect.totalCpuSeconds).toFixed(2)}x CPU for ${(b.n / a.n).toFixed(0)}x data`);
  }
  out.push(JSON.stringify(results.map((r) => ({ n: r.n, gen: r.gen, ...r.detect }))), '');
  process.stdout.write(out.join('\n'));
}

const day = args.day as string;
if (args.phase === 'gen') {
  await phaseGen(Number(args.n), args.dir as string, day);
} else if (args.phase === 'detect') {
  const lanes = Number(args.lanes ?? loadConfig({ env: {} }).service.detectLanes);
  await phaseDetect(args.dir as string, day, args.detector, !args['no-reference'], lanes);
} else {
  const results: SizeResult[] = [];
  for (const n of (args.sizes as string).split(',').map(Number)) {
    const dir = mkdtempSync(join(tmpdir(), `driftwatch-bench-detect-${n}-`));
    try {
      say(`\n${n.toLocaleString('en-US')} gateway requests on ${day}: generating in ${dir} …`);
      const gen = child('gen', ['--n', String(n), '--dir', dir, '--day', day]);
      say(`generated in ${String(gen['generatedSeconds'])} s, merged in ${String(gen['mergedSeconds'])} s: ${JSON.stringify(gen['tables'])}`);
      say('detector cycle (fresh process):');
      const detect = child('detect', ['--dir', dir, '--day', day, ...(args['no-reference'] ? ['--no-reference'] : []), ...(args.lanes ? ['--lanes', args.lanes] : []),
        ...(args.detector ?? []).flatMap((d) => ['--detector', d])]) as SizeResult['detect'];
      results.push({ n, gen, detect });
    } finally {
      if (args.keep) say(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    }
  }
  report(results, day);
}
