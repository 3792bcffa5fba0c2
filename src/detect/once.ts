import type { SourceKind } from '../decode/types.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { persistAlerts, type Alert } from './alerts.ts';
import type { AnyDetector } from './define-detector.ts';
import { planWindows, type WindowRequest } from './plan.ts';
import { runDetector, type RunResult } from './run.ts';
import { sourceHighWater } from './sources.ts';

/**
 * One-shot detection (`driftwatch detect`): every detector over its planned windows, in order,
 * alerts stored as they come. Shared by the command and bench/detect.bench.ts, so the benchmark
 * times exactly what the command does.
 */

export interface OnceOptions {
  now: Date;
  policyVersion: string;
  log: Logger;
  /** Called after each window (for measurements); `ms` includes the readiness check and the store. */
  onWindow?: (detector: AnyDetector, run: RunResult, created: Alert[], ms: number) => void;
}

export async function detectOnce(store: Store, detectors: readonly AnyDetector[], request: WindowRequest, options: OnceOptions): Promise<Alert[]> {
  const { now, policyVersion, log } = options;
  const created: Alert[] = [];
  // How far each source has reported, read once per run (as a scheduler cycle does): it is a
  // warning here, and reading a week of a source table per window cost more than most detectors.
  const highWater = new Map<SourceKind, Promise<number | null>>();
  const reportedUntil = (s: SourceKind) => {
    if (!highWater.has(s)) highWater.set(s, sourceHighWater(store, s, now));
    return highWater.get(s) as Promise<number | null>;
  };
  for (const detector of detectors) {
    for (const window of planWindows(detector, request, now)) {
      const started = performance.now();
      // A one-shot run does not wait for late sources; it says so instead.
      for (const source of detector.requires) {
        const hw = await reportedUntil(source);
        if (hw === null || hw < window.to.getTime()) {
          log.warn({ detector: detector.id, source, windowEnd: window.to.toISOString(), reportedUntil: hw === null ? null : new Date(hw).toISOString() },
            'Source has not reported past the window end; results may be incomplete');
        }
      }
      const run = await runDetector(store, detector, window, { now, policyVersion });
      const persisted = await persistAlerts(store, run.alerts, now);
      created.push(...persisted.created);
      log.info({ detector: detector.id, windowStart: window.from.toISOString(), windowEnd: window.to.toISOString(),
        durationMs: run.durationMs, rows: run.rows, alerts: run.alerts.length, newAlerts: persisted.created.length }, 'Detector run finished');
      options.onWindow?.(detector, run, persisted.created, performance.now() - started);
    }
  }
  return created;
}
