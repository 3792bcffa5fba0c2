import type { Alert } from '../../src/detect/alerts.ts';
import type { AnyDetector } from '../../src/detect/define-detector.ts';
import { detectOnce } from '../../src/detect/once.ts';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';

/**
 * `driftwatch detect --from --to` without the process around it: detectOnce is the command's own
 * loop (every scheduler window of each detector overlapping [from, to), run, stored through the
 * idempotent path), returning the NEW alerts — what the command prints. The command also opens the
 * store and syncs the policy; the test does that itself. Per-detector counts are for the report.
 */

export interface DetectReport {
  created: Alert[];
  /** Per detector: windows evaluated, alerts raised (new or not), milliseconds. */
  perDetector: Record<string, { windows: number; alerts: number; ms: number }>;
}

export async function detectRange(
  store: Store,
  detectors: readonly AnyDetector[],
  range: { from: Date; to: Date },
  policyVersion: string,
  now: Date,
): Promise<DetectReport> {
  const perDetector: DetectReport['perDetector'] = {};
  const created = await detectOnce(store, detectors, { from: range.from, to: range.to }, {
    now,
    policyVersion,
    // The one-shot run warns about sources that have not reported past a window; that is expected here.
    log: createLogger('silent'),
    onWindow: (detector, run, _created, ms) => {
      const stats = (perDetector[detector.id] ??= { windows: 0, alerts: 0, ms: 0 });
      stats.windows += 1;
      stats.alerts += run.alerts.length;
      stats.ms += Math.round(ms);
    },
  });
  return { created, perDetector };
}
