import { persistAlerts, type Alert } from '../../src/detect/alerts.ts';
import type { AnyDetector } from '../../src/detect/define-detector.ts';
import { planWindows } from '../../src/detect/plan.ts';
import { runDetector } from '../../src/detect/run.ts';
import type { Store } from '../../src/store/store.ts';

/**
 * `driftwatch detect --from --to` without the process around it (src/cli/commands/detect.ts): for
 * each detector, every scheduler window overlapping [from, to) (planWindows), run (runDetector),
 * stored through the idempotent path (persistAlerts); returns the NEW alerts, i.e. what the command
 * prints. The command also opens the store and syncs the policy; the test does that itself.
 */

export interface DetectReport {
  created: Alert[];
  windows: number;
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
  const report: DetectReport = { created: [], windows: 0, perDetector: {} };
  for (const detector of detectors) {
    const started = performance.now();
    const stats = { windows: 0, alerts: 0, ms: 0 };
    for (const window of planWindows(detector, range, now)) {
      const run = await runDetector(store, detector, window, { now, policyVersion });
      const persisted = await persistAlerts(store, run.alerts, now);
      report.created.push(...persisted.created);
      stats.windows += 1;
      stats.alerts += run.alerts.length;
    }
    stats.ms = Math.round(performance.now() - started);
    report.windows += stats.windows;
    report.perDetector[detector.id] = stats;
  }
  return report;
}
