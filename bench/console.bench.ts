/**
 * npm run bench:console -- --dir DIR --day YYYY-MM-DD [--runs 5]
 *
 * The analyst console in headless Chromium (Debian's `chromium`, driven by playwright-core, as the
 * console's browser test does) on a kept day — `bench:detect --keep`'s 10 M-request day with its
 * detector alerts, or `bench:api`'s — served by the API process (src/api/server.ts) on the same
 * store: the time from the click (or the navigation) to the page's content visible, per page, the
 * median and worst of `runs` walks: sign-in to the queue, an alert, its session trail, FinOps,
 * posture, sources, detectors, with how long the page's API calls were in flight (first request
 * sent to last response finished). Issue 12's target is a page usable in under 1.5 s; it is printed,
 * never asserted. The API's clock is set to the end of `--day`, so the pages' default periods end
 * with the kept day.
 */
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { alertsPortFor } from '../src/alerts/port.ts';
import { createApiServer } from '../src/api/server.ts';
import { loadConfig } from '../src/config/load.ts';
import { loadDetectors } from '../src/detect/registry.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../src/policy/load.ts';
import { syncPolicy } from '../src/policy/sync.ts';
import { migrate } from '../src/store/migrate.ts';
import { selectRows } from '../src/store/select-rows.ts';
import { openStore } from '../src/store/store.ts';
import { createLogger } from '../src/telemetry/logger.ts';
import { metricsRegistry } from '../src/telemetry/metrics.ts';
import { percentile } from '../src/simulate/scorecard.ts';
import { launchChromium } from '../test/helpers/chromium.ts';
import { msUntilVisible } from '../test/helpers/console-page.ts';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' },
    day: { type: 'string' },
    runs: { type: 'string', default: '5' },
  },
});
if (!args.dir || !args.day) throw new Error('usage: npm run bench:console -- --dir DIR --day YYYY-MM-DD [--runs N]');
const say = (msg: string) => process.stderr.write(`${msg}\n`);
const log = createLogger('error');
const TOKEN = 'bench-console-token-0123456789abcdef';
const dayEnd = new Date(Date.parse(`${args.day}T00:00:00Z`) + 86_400_000);

const store = await openStore(loadConfig({ env: {}, overrides: { 'clickhouse.dataDir': args.dir, logLevel: 'error' } }).clickhouse);
await migrate(store, log);
await syncPolicy(store, loadPolicyFile(EXAMPLE_POLICY_FILE).policy, EXAMPLE_POLICY_FILE);
// The busiest session alert of the day: its page and its trail are the heaviest an analyst opens.
const [target] = await selectRows<{ id: string }>(store, `SELECT id FROM alerts FINAL
  WHERE startsWith(entity, 'session:') AND window_end <= {end:DateTime64(3)} AND window_end > {end:DateTime64(3)} - INTERVAL 1 DAY
  ORDER BY impact_usd DESC, id LIMIT 1`, { end: dayEnd.toISOString().replace('T', ' ').replace('Z', '') });
if (!target) throw new Error(`no session alert on ${args.day} in ${args.dir}: run bench:detect --keep (or bench:api) on it first`);

const api = createApiServer({
  store, log, detectors: await loadDetectors(), metrics: metricsRegistry, tokens: { read: TOKEN, write: TOKEN }, alerts: alertsPortFor(store), clock: () => dayEnd,
});
const running = await api.listen(0, '127.0.0.1');
const base = `http://127.0.0.1:${running.port}`;
const browser = await launchChromium();

/**
 * API calls of a page, from Playwright's network events (the page's own resource timings are empty under its fixed
 * clock): each as [sent, finished] in this process's performance time. DEBUG_API=1 prints each one.
 */
function apiCalls(page: Page): [number, number][] {
  const calls: [number, number][] = [];
  const sent = new Map<unknown, number>();
  page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/')) sent.set(r, performance.now()); });
  page.on('requestfinished', (r) => {
    const start = sent.get(r);
    if (start === undefined) return;
    calls.push([start, performance.now()]);
    if (process.env.DEBUG_API) say(`  ${Math.round(performance.now() - start)} ms ${r.url()}`);
  });
  return calls;
}

/** Per page: of its ms until usable, the ms its API calls were in flight (first sent to last finished). */
const apiMs: Record<string, number[]> = {};
async function timed(page: Page, calls: [number, number][], name: string, go: () => Promise<unknown>, ready: string | readonly string[]): Promise<number> {
  calls.length = 0;
  const ms = await msUntilVisible(page, go, ready, 60_000);
  if (calls.length) (apiMs[name] ??= []).push(Math.max(...calls.map((c) => c[1])) - Math.min(...calls.map((c) => c[0])));
  return ms;
}

/** One walk through the console in a fresh browser context (no cache, a new sign-in). */
async function walk(): Promise<Record<string, number>> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const calls = apiCalls(page);
  await page.clock.setFixedTime(dayEnd);
  const t: Record<string, number> = {};
  const step = async (name: string, go: () => Promise<unknown>, ready: string | readonly string[]) => {
    t[name] = await timed(page, calls, name, go, ready);
  };
  await page.goto(`${base}/`);
  await page.getByLabel('API token').fill(TOKEN);
  await page.getByLabel(/Your name/).fill('bench@example.com');
  await step('queue (after sign-in)', () => page.getByRole('button', { name: 'Sign in' }).click(), 'table.queue tbody tr');
  await step('alert', () => page.goto(`${base}/#/alerts/${encodeURIComponent(target!.id)}`), 'dl.facts');
  await step('session trail', () => page.getByRole('link', { name: /Open the session trail/ }).click(), '[data-testid="owner"]');
  await step('finops', () => page.getByRole('link', { name: 'FinOps' }).click(),
    // usable = its totals and its charts (the series): the page's main content, not only its first table
    ['table.spend-totals tfoot', '.card figure.chart svg']);
  await step('posture', () => page.getByRole('link', { name: 'Posture' }).click(), 'article.posture');
  await step('sources', () => page.getByRole('link', { name: 'Sources' }).click(), 'table.sources tbody tr');
  await step('detectors', () => page.getByRole('link', { name: 'Detectors' }).click(), 'table.detectors tbody tr');
  await context.close();
  return t;
}

const runs: Record<string, number>[] = [];
try {
  for (let i = 0; i < Number(args.runs); i++) {
    runs.push(await walk());
    say(`walk ${i + 1} of ${args.runs}: ${JSON.stringify(Object.fromEntries(Object.entries(runs.at(-1)!).map(([k, v]) => [k, Math.round(v)])))}`);
  }
} finally {
  await browser.close();
  await running.close();
  await store.close();
}
say(`\nconsole on ${args.dir} (${args.day}), ${runs.length} walks, ms from the click to the content visible (target: usable in < 1,500 ms):`);
const median = (v: number[]) => String(Math.round(percentile([...v].sort((a, b) => a - b), 50) ?? Number.NaN)).padStart(6);
for (const page of Object.keys(runs[0] ?? {})) {
  const xs = runs.map((r) => r[page] as number);
  const api = apiMs[page] ?? [];
  say(`  ${page.padEnd(24)} median ${median(xs)}   worst ${String(Math.round(Math.max(...xs))).padStart(6)}   of which API calls in flight: median ${median(api)}`);
}
process.stdout.write(`${JSON.stringify({ dir: args.dir, day: args.day, runs, apiMs })}\n`);
