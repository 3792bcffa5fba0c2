import { beforeAll, describe, expect, it } from 'vitest';
import { generateDay } from '../../bench/detect-data.ts';
import { DATA_TABLES } from '../normalize/rows.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../policy/load.ts';
import { syncPolicy } from '../policy/sync.ts';
import type { Alert } from './alerts.ts';
import type { AnyDetector } from './define-detector.ts';
import { planWindows } from './plan.ts';
import { loadDetectors } from './registry.ts';
import { runDetector, runDetectorWindows, type RunResult } from './run.ts';
import { detectOnce } from './once.ts';
import { createLogger } from '../telemetry/logger.ts';
import { sharedScratchStore, truncateTables } from './scratch-store.ts';

/**
 * A batch detector must raise, for every window of a batch, exactly what it raises when that
 * window is evaluated alone — the scheduler evaluates one window at a time, catch-up, `detect
 * --from/--to` and `backtest` a day per query, and both must agree to the byte (same fingerprints,
 * summaries, evidence). Checked over a generated day with incidents of every detector's kind
 * (bench/detect-data.ts, the bench:detect data at a small scale), on the windows where the batch
 * fired and on some where it stayed quiet.
 */

const DAY = '2026-08-19';
const N = 500_000;
const NOW = new Date('2026-08-21T00:00:00Z');

/** An alert without what depends on the run's wall clock. */
const comparable = (a: Alert) => ({ ...a, id: undefined, firstSeen: undefined, lastSeen: undefined });

let batchDetectors: AnyDetector[] = [];

describe('batch evaluation equals window-by-window evaluation', () => {
  beforeAll(async () => {
    const { store } = await sharedScratchStore();
    await truncateTables(store, [...DATA_TABLES, 'alerts']);
    // The generated day stamps ingested_at in its own past (ingest delays are part of the data), so
    // the raw column's TTL (90 days from ingested_at) has passed: without this, a background merge
    // can empty raw between the batch run and the single-window runs, and their samples differ.
    await store.client.command({ query: 'SYSTEM STOP TTL MERGES' });
    await generateDay(store, N, DAY, () => {});
    await syncPolicy(store, loadPolicyFile(EXAMPLE_POLICY_FILE).policy, EXAMPLE_POLICY_FILE);
    batchDetectors = ((await loadDetectors()) as AnyDetector[]).filter((d) => d.batch);
  }, 300_000);

  it('has batch detectors to check', () => {
    expect(batchDetectors.length).toBeGreaterThan(0);
  });

  it('raises the same alerts per window, for every batch detector', async () => {
    const { store } = await sharedScratchStore();
    const from = new Date(`${DAY}T00:00:00Z`);
    const fired: Record<string, number> = {};
    for (const detector of batchDetectors) {
      const windows = planWindows(detector, { from, to: new Date(from.getTime() + 86_400_000) }, NOW);
      const batch = await runDetectorWindows(store, detector, windows, { now: NOW });
      expect(batch.map((r) => r.window)).toEqual(windows);
      fired[detector.id] = batch.reduce((n, r) => n + r.alerts.length, 0);
      // Every window that fired (up to 4) and the first two that stayed quiet, each run alone.
      const loud = batch.filter((r) => r.alerts.length > 0).slice(0, 4);
      const quiet = batch.filter((r) => r.alerts.length === 0).slice(0, 2);
      for (const b of [...loud, ...quiet]) {
        const single: RunResult = await runDetector(store, detector, b.window, { now: NOW });
        expect({ window: b.window.to.toISOString(), rows: b.rows, alerts: b.alerts.map(comparable) }, detector.id)
          .toEqual({ window: single.window.to.toISOString(), rows: single.rows, alerts: single.alerts.map(comparable) });
      }
    }
    // The comparison means something only if the day makes every batch detector fire.
    expect(Object.entries(fired).filter(([, n]) => n === 0).map(([id]) => id)).toEqual([]);
  }, 600_000);

  it('stores the same alerts with detectors side by side in lanes as one after the other', async () => {
    const { store } = await sharedScratchStore();
    const detectors = (await loadDetectors()) as AnyDetector[];
    const from = new Date(`${DAY}T00:00:00Z`);
    const request = { from, to: new Date(from.getTime() + 86_400_000) };
    const day = async (lanes: number) => {
      await truncateTables(store, ['alerts']);
      const created = await detectOnce(store, detectors, request, { now: NOW, policyVersion: 'test', log: createLogger('silent'), lanes });
      // What makes an alert the same alert; evidence samples may be any of equals (`any`, first rows read).
      return created.map((a) => [a.detector, a.fingerprint, a.entity, a.team, a.identity, a.severity, a.summary, a.windowStart, a.windowEnd]);
    };
    const inOrder = await day(1);
    expect(inOrder.length).toBeGreaterThan(detectors.length);
    // Same alerts, in the same (detector) order.
    expect(await day(3)).toEqual(inOrder);
  }, 600_000);
});
