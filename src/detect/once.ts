import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { persistBatchAlerts, type Alert } from './alerts.ts';
import type { AnyDetector } from './define-detector.ts';
import { batchWindows, planWindows, type WindowRequest } from './plan.ts';
import { runDetectorWindows, type RunResult } from './run.ts';
import { highWaterReader } from './sources.ts';
import { Lanes } from './lanes.ts';

/**
 * One-shot detection (`driftwatch detect`): every detector over its planned windows, in order,
 * alerts stored as they come; with `lanes`, several detectors at once. Shared by the command and bench/detect.bench.ts, so the benchmark
 * times exactly what the command does.
 */

export interface OnceOptions {
  now: Date;
  policyVersion: string;
  log: Logger;
  /** One query per window even for batch detectors (the reference bench:detect compares against). */
  oneWindowPerQuery?: boolean;
  /** Detectors side by side, each lane on its own store session (default 1: one after the other). */
  lanes?: number;
  /** Called after each window (for measurements); `ms` includes the readiness check and the store. */
  onWindow?: (detector: AnyDetector, run: RunResult, created: Alert[], ms: number) => void;
}

export async function detectOnce(store: Store, detectors: readonly AnyDetector[], request: WindowRequest, options: OnceOptions): Promise<Alert[]> {
  const lanes = options.lanes ?? 1;
  if (lanes === 1 || detectors.length < 2) return detectInOrder(store, detectors, request, options);
  // Detectors side by side on forked sessions (lanes.ts); the alerts come back in detector order, as in one lane.
  const pool = new Lanes(lanes, () => store.fork());
  try {
    const created = await Promise.all(detectors.map((d) => pool.run((session) => detectInOrder(session, [d], request, options))));
    return created.flat();
  } finally {
    for (const session of pool.opened()) await session.close();
  }
}

async function detectInOrder(store: Store, detectors: readonly AnyDetector[], request: WindowRequest, options: OnceOptions): Promise<Alert[]> {
  const { now, policyVersion, log } = options;
  const created: Alert[] = [];
  // How far each source has reported, read once per run (as a scheduler cycle does); only a warning here.
  const reportedUntil = highWaterReader(store, now);
  for (const detector of detectors) {
    const windows = planWindows(detector, request, now);
    for (const batch of options.oneWindowPerQuery ? windows.map((w) => [w]) : batchWindows(detector, windows)) {
      const started = performance.now();
      // A one-shot run does not wait for late sources; it says so instead.
      const end = (batch[batch.length - 1] as { to: Date }).to;
      for (const source of detector.requires) {
        const hw = await reportedUntil(source);
        if (hw === null || hw < end.getTime()) {
          log.warn({ detector: detector.id, source, windowEnd: end.toISOString(), reportedUntil: hw === null ? null : new Date(hw).toISOString() },
            'Source has not reported past the window end; results may be incomplete');
        }
      }
      const runs = await runDetectorWindows(store, detector, batch, { now, policyVersion });
      const createdByWindow = await persistBatchAlerts(store, runs.map((r) => r.alerts), now, { growing: detector.early });
      created.push(...createdByWindow.flat());
      const ms = (performance.now() - started) / batch.length;
      for (const [i, run] of runs.entries()) {
        const createdHere = createdByWindow[i] ?? [];
        log.info({ detector: detector.id, windowStart: run.window.from.toISOString(), windowEnd: run.window.to.toISOString(),
          durationMs: run.durationMs, rows: run.rows, alerts: run.alerts.length, newAlerts: createdHere.length }, 'Detector run finished');
        options.onWindow?.(detector, run, createdHere, ms);
      }
    }
  }
  return created;
}
