import cron, { type ScheduledTask } from 'node-cron';
import { AppError, errorMessage } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { detectorRunDuration, detectorRuns } from '../telemetry/metrics.ts';
import type { Alert } from './alerts.ts';
import { runCycle } from './cycle.ts';
import type { AnyDetector } from './define-detector.ts';

/**
 * node-cron task per detector. Each tick runs the detector's cycle (cycle.ts), which decides what
 * is due from the persisted watermark — so the cron cadence only bounds latency, never
 * correctness: a missed tick, a restart or a slow run just means the next tick has more to do.
 *
 * Ticks poll every few minutes rather than once per `every` so a window blocked on late billing
 * runs soon after the data lands. Late-data rechecks run at most once per `every`.
 *
 * All cycles go through one queue: the embedded engine has a single session, and one detector's
 * catch-up must not interleave with another's queries on it.
 */

export interface SchedulerOptions {
  store: Store;
  log: Logger;
  detectors: readonly AnyDetector[];
  /** Current policy version; called before each cycle (the schedule command re-syncs on change). */
  policyVersion: () => Promise<string>;
  onNewAlerts?: (alerts: Alert[], detector: AnyDetector) => void | Promise<void>;
  /** Start of history for detectors that have no watermark yet. */
  since?: Date;
  /** Checked before every write of a cycle (cycle.ts `fence`): the scheduler lease's fencing token. */
  fence?: () => Promise<void>;
  /**
   * Runs in the cycle queue before each cycle (the service's outbox recovery sweep): work that must
   * not interleave with a cycle's own writes. A LEASE_LOST it throws stops the scheduler like a cycle's.
   */
  beforeCycle?: () => Promise<void>;
  now?: () => Date;
}

/** Minutes between ticks: at most 5, and a divisor of 60 so ticks land on round minutes. */
export function pollMinutes(everyMs: number): number {
  const everyMin = Math.max(1, Math.floor(everyMs / 60_000));
  return [5, 4, 3, 2, 1].find((m) => m <= everyMin && 60 % m === 0) ?? 1;
}

export function cronExpression(detector: AnyDetector): string {
  const m = pollMinutes(detector.scheduleMs.every);
  return m === 1 ? '* * * * *' : `*/${m} * * * *`;
}

export class DetectorScheduler {
  private readonly tasks: ScheduledTask[] = [];
  private queue: Promise<void> = Promise.resolve();
  private readonly lastRecheck = new Map<string, number>();
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {}

  /** Schedules every detector and runs one cycle of each right away (catch-up after downtime). */
  start(): void {
    for (const detector of this.options.detectors) {
      const expression = cronExpression(detector);
      const task = cron.schedule(expression, () => this.tick(detector), { name: detector.id, noOverlap: true });
      this.tasks.push(task);
      this.options.log.info({ detector: detector.id, cron: expression, every: detector.schedule.every }, 'Detector scheduled');
      void this.tick(detector);
    }
  }

  /** Queues one cycle of `detector`; resolves when it has run. Errors are logged, not thrown. */
  tick(detector: AnyDetector): Promise<void> {
    const run = async () => {
      if (this.stopped) return;
      const now = this.options.now?.() ?? new Date();
      const last = this.lastRecheck.get(detector.id) ?? 0;
      const recheck = now.getTime() - last >= detector.scheduleMs.every;
      const started = performance.now();
      try {
        await this.options.beforeCycle?.();
        const report = await runCycle(
          {
            store: this.options.store,
            log: this.options.log,
            policyVersion: await this.options.policyVersion(),
            onNewAlerts: this.options.onNewAlerts,
            initialWatermark: this.options.since?.getTime(),
            ...(this.options.fence ? { fence: this.options.fence } : {}),
          },
          detector,
          now,
          { recheck },
        );
        if (recheck) this.lastRecheck.set(detector.id, now.getTime());
        if (report.waiting) {
          this.options.log.info(
            { detector: detector.id, source: report.waiting.source, windowEnd: new Date(report.waiting.windowEnd).toISOString(),
              reportedUntil: report.waiting.reportedUntil === null ? null : new Date(report.waiting.reportedUntil).toISOString() },
            'Detector waiting for source data',
          );
        }
      } catch (err) {
        if (err instanceof AppError && err.code === 'LEASE_LOST') {
          // Another replica runs the detectors now; the service stops this scheduler (service/leased-role.ts).
          this.stopped = true;
          this.options.log.warn({ detector: detector.id, err: err.message }, 'Scheduler lease lost; cycle abandoned before writing');
          return;
        }
        // Successful windows are counted as they are recorded (state.ts recordRun); a failed cycle here.
        detectorRuns.inc({ detector: detector.id, outcome: 'failed' });
        detectorRunDuration.observe({ detector: detector.id, outcome: 'failed' }, (performance.now() - started) / 1000);
        this.options.log.error({ detector: detector.id, err: errorMessage(err) }, 'Detector cycle failed; retrying next tick');
      }
    };
    this.queue = this.queue.then(run);
    return this.queue;
  }

  /** Stops the cron tasks and waits for the cycle in progress (SIGTERM). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const task of this.tasks) await task.stop();
    await this.queue;
  }
}
