import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertsPortFor } from '../../src/alerts/port.ts';
import { createApiServer, type RunningApi } from '../../src/api/server.ts';
import type { SourceKind } from '../../src/decode/types.ts';
import { loadDetectors } from '../../src/detect/registry.ts';
import { scratchDir, sharedScratchStore } from '../../src/detect/scratch-store.ts';
import { replayFiles } from '../../src/ingest/replay.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../../src/policy/load.ts';
import { syncPolicy } from '../../src/policy/sync.ts';
import { plantedDay } from '../../src/simulate/planted-day.ts';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { metricsRegistry } from '../../src/telemetry/metrics.ts';
import { int, pct, usd } from '../../web/src/format.ts';
import type { AlertDetail, AlertList, Control, DetectorInfo, Posture, SessionTrail, Signal, Sources, Spend, SpendSeries } from '../../web/src/types.ts';
import { detectRange } from '../e2e/detect.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { msUntilVisible } from '../helpers/console-page.ts';
import { QUEUE_REFRESH_MS } from '../../web/src/refresh.ts';

/**
 * The analyst console in headless Chromium against the real API on the real engine: the planted
 * day replayed through the decoders (no Kafka needed), the example policy synced, every detector
 * run over the day (real alerts), the API listening on a socket with the real alert repository.
 * The browser signs in, walks the queue by keyboard, opens an alert, acknowledges and resolves
 * it, opens its session trail, FinOps, posture, sources and detectors — asserting the figures the
 * API gives — and writes a screenshot per page to test-output/console/. Time until each page is
 * usable is printed, not asserted. Browser and server clocks are pinned to the day after the
 * planted day, so the pages' default periods cover it on any day the test runs.
 * Run: DRIFTWATCH_SKIP_BROKER=1 npx vitest run test/integration/console.int.test.ts
 */

const READ = 'read-token-0123456789abcdef';
const WRITE = 'write-token-0123456789abcdef';
const scenario = plantedDay();
const DAY = scenario.day;
const NOW = new Date(scenario.window.to.getTime() + 6 * 3_600_000);
const SHOTS = join(import.meta.dirname, '..', '..', 'test-output', 'console');
const log = createLogger(process.env['API_TEST_LOG'] ?? 'silent');
const usable: Record<string, number> = {};

let store: Store;
let running: RunningApi;
let browser: Browser;
let page: Page;
let base: string;

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${READ}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Runs `go`, then waits for `ready` to be visible; records the time as the page's time to usable. */
async function timed(name: string, go: () => Promise<unknown>, ready: string): Promise<void> {
  usable[name] = Math.round(await msUntilVisible(page, go, ready));
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Every form control on the page has an accessible name (a <label>, aria-label or aria-labelledby). */
async function unlabelledControls(): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
    .map((el) => el.outerHTML.slice(0, 120)));
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const scratch = await sharedScratchStore();
  store = scratch.store;
  const dir = scratchDir('console-replay');
  for (const source of ['gateway', 'billing', 'idp', 'agent'] as SourceKind[]) {
    const file = join(dir, `${source}.ndjson`);
    writeFileSync(file, `${scenario.records[source].map((r) => JSON.stringify(r)).join('\n')}\n`);
    await replayFiles(source, [file], scratch.config, store, log);
  }
  const { version } = await syncPolicy(store, loadPolicyFile(EXAMPLE_POLICY_FILE).policy, EXAMPLE_POLICY_FILE);
  const detectors = await loadDetectors();
  await detectRange(store, detectors, scenario.window, version, NOW);
  // A reject in the sources page's window (rejects carry their ingest time, so this one is planted with a pinned time).
  await store.client.insert({ table: 'ingest_rejects', format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: '' },
    values: [{ rejected_at: `${DAY} 12:00:00.000`, source: 'gateway', topic: 't', partition: 0, offset: 1, record_index: 0, reason: 'schema_violation',
      format: 'litellm', detail: 'missing field startTime', raw_encoding: 'utf8', raw_bytes: 20, raw: '{"api_key":"sk-secret-console"}' }] });
  const server = createApiServer({
    store, log, detectors, metrics: metricsRegistry, tokens: { read: READ, write: WRITE }, alerts: alertsPortFor(store), clock: () => NOW,
  });
  running = await server.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${running.port}`;
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  await page.clock.setFixedTime(NOW);
}, 600_000);

afterAll(async () => {
  process.stderr.write(`console: time until usable (ms, printed not asserted): ${JSON.stringify(usable)}\n`);
  await browser?.close();
  await running?.close();
  // Closed before the temp root is removed: the engine still writes parts in the background.
  await store?.close();
});

describe('the analyst console in Chromium', () => {
  it('signs in with the write token (labelled form); the token is not in the cookie', async () => {
    await page.goto(`${base}/`);
    await page.getByLabel('API token').waitFor();
    expect(await unlabelledControls()).toEqual([]);
    await page.getByLabel('API token').fill(WRITE);
    await page.getByLabel(/Your name/).fill('e2e-analyst@example.com');
    await timed('queue (after sign-in)', () => page.getByRole('button', { name: 'Sign in' }).click(), 'table.queue tbody tr');
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'dw_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    expect(session?.value).not.toContain(WRITE);
  });

  it('a write forged from the page without the CSRF token is refused', async () => {
    const status = await page.evaluate(async () => (await fetch('/api/alerts/any/actions', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'ack' }),
    })).status);
    expect(status).toBe(403);
  });

  it('the queue shows the API\'s counts and order; j/k and Enter walk it by keyboard to a session alert', async () => {
    const list = await api<AlertList>('/api/alerts?limit=50');
    expect(list.total).toBeGreaterThan(3);
    for (const [status, n] of Object.entries(list.countsByStatus)) {
      expect(await page.getByTestId(`count-${status}`).textContent()).toBe(int(n));
    }
    const rows = page.locator('table.queue tbody tr');
    expect(await rows.count()).toBe(list.items.length);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-alert-id')))).toEqual(list.items.map((a) => a.id));
    expect(await unlabelledControls()).toEqual([]);
    // Focus order: skip link, then the page navigation; the queue's rows are one tab stop (roving tabindex).
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const stops: string[] = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      stops.push(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ''));
    }
    expect(stops).toEqual(['Skip to content', 'Alert queue', 'FinOps']);
    expect(await page.locator('table.queue tbody tr[tabindex="0"]').count()).toBe(1);
    await shot('queue');

    // Bulk: select the last two rows by keyboard (x) and assign both in one action.
    const lastTwo = list.items.slice(-2);
    await rows.nth(list.items.length - 2).focus();
    await page.keyboard.press('x');
    await page.keyboard.press('j');
    await page.keyboard.press('x');
    await page.getByRole('combobox', { name: /^Action/ }).selectOption('assign');
    await page.getByLabel('Assignee').fill('kim@example.com');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('assign: 2 of 2 done').waitFor();
    for (const a of lastTwo) expect((await api<AlertDetail>(`/api/alerts/${a.id}`)).assignee).toBe('kim@example.com');
    await page.locator(`tr[data-alert-id="${lastTwo[0]!.id}"] td`, { hasText: 'kim@example.com' }).waitFor();

    const target = list.items.findIndex((a) => a.entity.startsWith('session:') && a.status === 'open');
    expect(target).toBeGreaterThan(0);

    // Live refresh: another analyst acknowledges the first alert through the API; the queue shows it without a reload.
    const other = list.items[0]!;
    const acked = await fetch(`${base}/api/alerts/${other.id}/actions`, {
      method: 'POST', headers: { authorization: `Bearer ${WRITE}`, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'ack', actor: 'other@example.com' }),
    });
    expect(acked.status).toBe(200);
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    await page.locator(`tr[data-alert-id="${other.id}"] .badge-acknowledged`).waitFor({ timeout: QUEUE_REFRESH_MS + 15_000 });
    expect(await page.getByTestId('count-acknowledged').textContent()).toBe('1');
    expect(navigations).toEqual([]);

    await rows.first().focus();
    for (let i = 0; i < target + 1; i++) await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-alert-id'))).toBe(list.items[target]!.id);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    const alert = list.items[target]!;
    await timed('alert', () => page.keyboard.press('Enter'), 'dl.facts');
    expect(new URL(page.url()).hash).toBe(`#/alerts/${alert.id}`);
  });

  it('the alert page shows the API\'s alert; acknowledge, then resolve', async () => {
    const id = new URL(page.url()).hash.replace('#/alerts/', '');
    const a = await api<AlertDetail>(`/api/alerts/${id}`);
    expect(await page.locator('h1').textContent()).toBe(a.title);
    expect(await page.getByTestId('identity').textContent()).toBe(a.identity || 'unknown');
    expect(await page.getByTestId('team').textContent()).toBe(a.team || 'unattributed');
    expect(await page.getByTestId('impact').textContent()).toContain(usd(a.impactUsd));
    for (const [k] of Object.entries(a.evidence?.figures ?? {}).slice(0, 3)) await page.locator('table.kv th', { hasText: k }).first().waitFor();
    expect(await unlabelledControls()).toEqual([]);
    const signal = await api<Signal>(`/api/alerts/${id}/signal`);
    await page.getByRole('img', { name: signal.title }).locator('svg').waitFor();
    const catalog = await api<Control[]>('/api/controls');
    const [framework, ids] = Object.entries(a.controls ?? {})[0]!;
    const named = catalog.find((c) => c.framework === framework && c.id === ids[0])!;
    await page.locator('ul.controls li', { hasText: `${ids[0]} — ${named.name}` }).waitFor();
    await shot('alert');

    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('.badge-acknowledged').first().waitFor();
    expect((await api<AlertDetail>(`/api/alerts/${id}`)).status).toBe('acknowledged');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.locator('.badge-resolved').first().waitFor();
    const after = await api<AlertDetail>(`/api/alerts/${id}`);
    expect(after.status).toBe('resolved');
    expect(after.history?.map((h) => h.actor)).toContain('e2e-analyst@example.com');
    await page.locator('ol.history li', { hasText: 'resolve' }).first().waitFor();
  });

  it('the session trail linked from the alert shows the API\'s owner and figures', async () => {
    const link = page.getByRole('link', { name: /Open the session trail/ });
    const sessionId = (await link.textContent())!.replace('Open the session trail of ', '');
    await timed('session trail', () => link.click(), '[data-testid="owner"]');
    const t = await api<SessionTrail>(`/api/sessions/${sessionId}`);
    expect(await page.getByTestId('owner').textContent()).toContain(t.owner.email || 'unresolved');
    expect(await page.getByTestId('gateway-requests').textContent()).toBe(int(t.cost.gatewayRequests));
    expect(await page.getByTestId('cost').textContent()).toBe(`${usd(t.cost.loggedUsd)} / ${usd(t.cost.billedUsd)}`);
    expect(await page.locator('table tbody tr').count()).toBe(t.timeline.length);
    await shot('session');
  });

  it('FinOps shows the API\'s spend per team and in total', async () => {
    await timed('finops', () => page.getByRole('link', { name: 'FinOps' }).click(), 'table.spend-totals tfoot');
    const [from, to] = [new Date(NOW.getTime() - 7 * 86_400_000), new Date(NOW.getTime() + 86_400_000)].map((d) => d.toISOString().slice(0, 10));
    const spend = await api<Spend>(`/api/spend?from=${from}&to=${to}&groupBy=team`);
    expect(spend.rows.length).toBeGreaterThan(1);
    expect(await page.locator('table.spend-totals tbody tr').count()).toBe(spend.rows.length);
    const total = page.locator('tr[data-team="total"] td');
    expect(await total.allTextContents()).toEqual([spend.totals.loggedUsd, spend.totals.billedUsd, spend.totals.approvedUsd, spend.totals.unexplainedUsd].map(usd));
    const first = spend.rows[0]!;
    expect(await page.locator(`tr[data-team="${first.key}"] td`).allTextContents()).toEqual([first.loggedUsd, first.billedUsd, first.approvedUsd, first.unexplainedUsd].map(usd));
    const series = await api<SpendSeries>(`/api/spend/series?from=${from}&to=${to}`);
    expect(await page.locator('.card figure.chart svg').count()).toBe(series.series.length);
    for (const m of series.topMovers.slice(0, 3)) {
      expect(await page.locator(`tr[data-mover="${m.team}"] td`).first().textContent()).toBe(usd(m.thisWeekUsd));
    }
    await shot('finops');
  });

  it('a budget alert shows what was spent against the approved amount', async () => {
    const { items } = await api<AlertList>('/api/alerts?detector=billing.spend-above-approved');
    const details = await Promise.all(items.map((i) => api<AlertDetail>(`/api/alerts/${i.id}`)));
    const budgetOf = (d: AlertDetail) => d.evidence?.figures?.[d.evidence.figures['finding'] === 'monthly-budget' ? 'monthlyBudgetUsd' : 'dailyBudgetUsd'];
    const a = details.find((d) => typeof budgetOf(d) === 'number')!;
    expect(a).toBeDefined();
    const f = a.evidence?.figures ?? {};
    const monthly = f['finding'] === 'monthly-budget';
    await page.goto(`${base}/#/alerts/${a.id}`);
    await page.getByTestId('impact').waitFor();
    expect(await page.getByTestId('impact').textContent()).toBe(
      `${usd(a.impactUsd)} · spent ${usd(f[monthly ? 'monthToDateUsd' : 'daySpendUsd'] as number)} against ${usd(f[monthly ? 'monthlyBudgetUsd' : 'dailyBudgetUsd'] as number)} approved`);
  });

  it('posture shows the API\'s shares per team', async () => {
    await timed('posture', () => page.getByRole('link', { name: 'Posture' }).click(), 'article.posture');
    const [from, to] = [new Date(NOW.getTime() - 7 * 86_400_000), new Date(NOW.getTime() + 86_400_000)].map((d) => d.toISOString().slice(0, 10));
    const posture = await api<Posture>(`/api/posture?from=${from}&to=${to}`);
    expect(posture.teams.length).toBeGreaterThan(1);
    for (const t of posture.teams) {
      expect(await page.getByTestId(`${t.team}-gatewayShare`).textContent()).toBe(pct(t.gatewayShare.share));
      expect(await page.getByTestId(`${t.team}-promptLogShare`).textContent()).toBe(pct(t.promptLogShare.share));
      expect(await page.getByTestId(`${t.team}-ownerShare`).textContent()).toBe(pct(t.ownerShare.share));
    }
    expect(await page.locator('article.posture figure.chart svg').count()).toBe(posture.teams.length);
    await shot('posture');
  });

  it('sources show the API\'s events per source and team, and rejects without their raw text', async () => {
    await timed('sources', () => page.getByRole('link', { name: 'Sources' }).click(), 'table.sources tbody tr');
    const src = await api<Sources>('/api/sources');
    const gw = src.sources.find((s) => s.source === 'gateway' && s.events > 0)!;
    expect(await page.locator(`tr[data-source="gateway"][data-team="${gw.team}"] td`).nth(2).textContent()).toBe(int(gw.events));
    const reject = src.rejects.find((r) => r.reason === 'schema_violation')!;
    expect(await page.locator('tr[data-reason="schema_violation"] td').nth(2).textContent()).toBe(int(reject.count));
    expect(reject.records?.length).toBeGreaterThan(0);
    expect(await page.locator('tr[data-reason="schema_violation"] td').nth(5).textContent()).toBe(reject.records!.map((r) => r.rawPrefix).join(''));
    expect(await page.content()).not.toContain('sk-secret-console');
    await shot('sources');
  });

  it('detectors list the corpus with the API\'s alert counts; one opens with its runbook', async () => {
    await timed('detectors', () => page.getByRole('link', { name: 'Detectors' }).click(), 'table.detectors tbody tr');
    const { detectors } = await api<{ detectors: DetectorInfo[] }>('/api/detectors');
    expect(await page.locator('table.detectors tbody tr').count()).toBe(detectors.length);
    const busiest = [...detectors].sort((a, b) => b.alerts.total - a.alerts.total)[0]!;
    expect(busiest.alerts.total).toBeGreaterThan(0);
    const row = page.locator(`tr[data-detector="${busiest.id}"] td`);
    expect(await row.nth(7).textContent()).toBe(int(busiest.alerts.total));
    await row.first().getByRole('link').click();
    await page.locator('#detector-detail', { hasText: busiest.title }).waitFor();
    expect(await page.locator('.card .runbook').textContent()).toBe(busiest.runbook);
    await page.getByRole('img', { name: `Alerts per day raised by ${busiest.id}` }).locator('svg').waitFor();
    await shot('detectors');
  });

  it('signing out returns to the login page and ends the session', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    const status = await page.evaluate(async () => (await fetch('/api/alerts')).status);
    expect(status).toBe(401);
  });
});
