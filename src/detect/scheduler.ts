import cron, { type ScheduledTask } from 'node-cron';
import { AppError, errorMessage } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { detectorRunDuration, detectorRuns } from '../telemetry/metrics.ts';
import type { Alert } from './alerts.ts';
import { earlyClock, earlyLook, runCycle, runEarly, type CycleDeps } from './cycle.ts';
import { lastIngest } from './sources.ts';
import type { AnyDetector } from './define-detector.ts';
import { Lanes } from './lanes.ts';

/**
 * node-cron task per detector. Each tick runs the detector's cycle (cycle.ts), which decides what
 * is due from the persisted watermark and from how far each source has reported — so the cron
 * cadence only bounds latency, never correctness: a missed tick, a restart or a slow run just means
 * the next tick has more to do.
 *
 * Ticks come every few seconds (`pollSeconds`, default 15), not once per window: a window runs as
 * soon as its settle has passed and its sources' data has landed, so detection follows ingest
 * progress (a backlog being replayed, billing arriving late) instead of waiting for a slow clock.
 * A tick with nothing due costs one watermark read. Late-data rechecks run once per `every`, and
 * sooner — at most once a LATE_CHECK_MS — when the detector's sources stored rows since the last
 * one (source_hourly's last ingest): a consumer's backlog or a late export is re-evaluated at the
 * next tick after landing, not within the hour.
 *
 * Cycles run in `lanes` (lanes.ts), each on a store session of its own (Store.fork): detectors run
 * side by side, and none queues behind the ingest role's inserts on the process's first session.
 * A detector has at most one tick queued or running, so its own windows stay in order; detectors
 * share no alert (fingerprints, grouping and triage are per detector), so lanes never write the
 * same rows. The outbox recovery sweep runs alone (`sweep`).
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
   * Work that must not interleave with a cycle's writes (the service's outbox recovery sweep): when
   * `due()` before a tick, it runs with no cycle running. A LEASE_LOST it throws stops the scheduler
   * like a cycle's.
   */
  sweep?: { due(): boolean; run(): Promise<void> };
  /** Cycles side by side, each on its own store session (default 1). */
  lanes?: number;
  /** Seconds between a detector's ticks (`pollExpression`); default DEFAULT_POLL_SECONDS. */
  pollSeconds?: number;
  now?: () => Date;
}

export const DEFAULT_POLL_SECONDS = 15;
/** Once a tick at the default poll, and below it so that a tick started late does not skip one. */
const ONCE_A_TICK_MS = 10_000;
/**
 * The shortest time between two late-data rechecks of a detector (each reads its recent windows' minute marks), while
 * its sources store rows. It was a minute: a report landing in a window already judged (a daily Claude Code report on
 * yesterday) then waited up to a minute and a tick more, the slowest event → alert left in the latency bench.
 */
export const LATE_CHECK_MS = ONCE_A_TICK_MS;
/** The shortest time between two early passes of an `early` detector (cycle.ts runEarly). */
export const EARLY_MS = ONCE_A_TICK_MS;
/** How far before its last mark an early pass looks for stored rows again: a batch stamped before it may commit after it. */
const LANDED_SLACK_MS = 30_000;
/** How long the data's clock read for one early pass serves the others (every early detector ticks at the same second). */
const OPEN_AT_REUSE_MS = 5_000;

/**
 * The node-cron expression of a tick every `seconds` (seconds field first), on round seconds: a
 * divisor of 60 up to a minute, else whole minutes dividing an hour.
 */
const DIVISORS_OF_60 = [30, 20, 15, 12, 10, 6, 5, 4, 3, 2, 1];
const roundDown = (n: number) => DIVISORS_OF_60.find((d) => d <= n) ?? 1;

export function pollExpression(seconds: number): string {
  if (seconds < 60) return `*/${roundDown(seconds)} * * * * *`;
  const m = roundDown(Math.floor(seconds / 60));
  return m === 1 ? '0 * * * * *' : `0 */${m} * * * *`;
}

export class DetectorScheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly lastRecheck = new Map<string, number>();
  /** Per detector, its sources' last ingest as read at its last recheck. */
  private readonly ingestSeen = new Map<string, number>();
  /** Per `early` detector: when its last early pass ran, and its sources' last ingest then. */
  private readonly earlyAt = new Map<string, { at: number; ingested: number }>();
  /** The data's clock (cycle.ts earlyClock) as last read, shared by the early passes of one tick. */
  private openAt: { at: number; value: Promise<number> } | undefined;
  /** What each detector last waited for, so a wait is logged when it starts or moves, not every tick. */
  private readonly waitingFor = new Map<string, string>();
  /** Detectors with a tick queued or running. */
  private readonly pending = new Set<string>();
  /** The ticks queued or running, awaited by stop(). */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly lanes: Lanes<Store>;
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {
    this.lanes = new Lanes(options.lanes ?? 1, () => options.store.fork());
  }

  /** Schedules every detector and runs one cycle of each right away (catch-up after downtime). */
  start(): void {
    for (const detector of this.options.detectors) {
      const expression = pollExpression(this.options.pollSeconds ?? DEFAULT_POLL_SECONDS);
      // A detector's tick is skipped while its previous one is still queued or running (`pending`), here
      // rather than by node-cron's noOverlap, which warns on the console at every skipped tick.
      const task = cron.schedule(expression, () => { if (!this.pending.has(detector.id)) void this.tick(detector); }, { name: detector.id });
      this.tasks.push(task);
      this.options.log.info({ detector: detector.id, cron: expression, every: detector.schedule.every }, 'Detector scheduled');
      void this.tick(detector);
    }
  }

  private cycleDeps(store: Store, policyVersion: string): CycleDeps {
    return {
      store,
      log: this.options.log,
      policyVersion,
      ...(this.options.onNewAlerts ? { onNewAlerts: this.options.onNewAlerts } : {}),
      ...(this.options.since ? { initialWatermark: this.options.since.getTime() } : {}),
      ...(this.options.fence ? { fence: this.options.fence } : {}),
    };
  }

  /** Queues one cycle of `detector`; resolves when it has run. Errors are logged, not thrown. */
  tick(detector: AnyDetector): Promise<void> {
    const { sweep } = this.options;
    // Each part on a lane, errors logged here and counted once per tick (one cycle, failed): a failed part is retried at
    // the next tick, and a failed early look does not keep the regular run from running.
    let counted = false;
    const guarded = (part: (store: Store, now: Date) => Promise<void>) => async (store: Store) => {
      if (this.stopped) return;
      const now = this.options.now?.() ?? new Date();
      const started = performance.now();
      try {
        await part(store, now);
      } catch (err) {
        if (this.leaseLost(detector, err)) return;
        // Successful windows are counted as they are recorded (state.ts recordRun); a failed cycle here.
        if (!counted) {
          counted = true;
          detectorRuns.inc({ detector: detector.id, outcome: 'failed' });
          detectorRunDuration.observe({ detector: detector.id, outcome: 'failed' }, (performance.now() - started) / 1000);
        }
        this.options.log.error({ detector: detector.id, err: errorMessage(err) }, 'Detector cycle failed; retrying next tick');
      }
    };
    const early = guarded(async (store, now) => {
      await this.early(this.cycleDeps(store, await this.options.policyVersion()), detector, now);
    });
    const regular = guarded(async (store, now) => {
      const deps = this.cycleDeps(store, await this.options.policyVersion());
      const recheck = await this.recheckDue(store, detector, now);
      const report = await runCycle(deps, detector, now, { recheck: recheck !== undefined });
      if (recheck !== undefined) {
        this.lastRecheck.set(detector.id, now.getTime());
        this.ingestSeen.set(detector.id, recheck);
      }
      // Logged when a wait starts or moves to another window or source: a tick every few seconds would repeat it.
      const waiting = report.waiting ? `${report.waiting.source}@${report.waiting.windowEnd}` : '';
      if (report.waiting && waiting !== this.waitingFor.get(detector.id)) {
        this.options.log.info(
          { detector: detector.id, source: report.waiting.source, windowEnd: new Date(report.waiting.windowEnd).toISOString(),
            reportedUntil: report.waiting.reportedUntil === null ? null : new Date(report.waiting.reportedUntil).toISOString() },
          'Detector waiting for source data',
        );
      }
      this.waitingFor.set(detector.id, waiting);
    });
    this.pending.add(detector.id);
    const ticked = (async () => {
      try {
        if (sweep?.due() && !this.stopped) await this.lanes.exclusive(() => sweep.run());
        // An early detector's open windows go ahead of the regular runs waiting for a lane, and before its own: a
        // catch-up of older windows (after a restart, or of a backlog) can hold the lanes for minutes, and the regular
        // run finds the early alerts' fingerprints known.
        if (detector.early) await this.lanes.run(early, { urgent: true });
        await this.lanes.run(regular);
      } catch (err) {
        // The sweep's own failures are logged inside it; what reaches here is a lost lease or no session at all.
        if (!this.leaseLost(detector, err)) this.options.log.error({ detector: detector.id, err: errorMessage(err) }, 'Detector cycle could not start; retrying next tick');
      } finally {
        this.pending.delete(detector.id);
      }
    })();
    this.inFlight.add(ticked);
    void ticked.finally(() => this.inFlight.delete(ticked));
    return ticked;
  }

  /** A lost lease stops this scheduler: another replica runs the detectors now (service/leased-role.ts). */
  private leaseLost(detector: AnyDetector, err: unknown): boolean {
    if (!(err instanceof AppError && err.code === 'LEASE_LOST')) return false;
    this.stopped = true;
    this.options.log.warn({ detector: detector.id, err: err.message }, 'Scheduler lease lost; cycle abandoned before writing');
    return true;
  }

  /**
   * Whether this cycle rechecks late data: once per `every`, and sooner — at most once a
   * LATE_CHECK_MS — when the detector's sources stored rows since its last recheck. Returns the
   * sources' last ingest when it does (remembered for the next comparison), undefined when not.
   */
  private async recheckDue(store: Store, detector: AnyDetector, now: Date): Promise<number | undefined> {
    const since = now.getTime() - (this.lastRecheck.get(detector.id) ?? 0);
    const horizon = now.getTime() - detector.scheduleMs.recheck;
    if (since >= detector.scheduleMs.every) return lastIngest(store, detector.sources, horizon);
    if (since < LATE_CHECK_MS || detector.sources.length === 0) return undefined;
    const ingested = await lastIngest(store, detector.sources, horizon);
    return ingested > (this.ingestSeen.get(detector.id) ?? 0) ? ingested : undefined;
  }

  /**
   * The early pass of an `early` detector: at most every EARLY_MS, and only when its sources stored rows in the
   * windows it looks at (cycle.ts earlyLook: the open ones, on the wall clock or the data's when that is behind, and
   * any window after the watermark that an export delivered late) since the last.
   */
  private async early(deps: CycleDeps, detector: AnyDetector, now: Date): Promise<void> {
    const last = this.earlyAt.get(detector.id);
    if (last && now.getTime() - last.at < EARLY_MS) return;
    const look = await earlyLook(deps, detector, now, { openAt: await this.dataOpenAt(deps.store, now), landedSince: last ? last.ingested - LANDED_SLACK_MS : 0 });
    if (last && look.landedUntil <= last.ingested) return;
    this.earlyAt.set(detector.id, { at: now.getTime(), ingested: look.landedUntil });
    await runEarly(deps, detector, now, look);
  }

  /** earlyClock, read once for the early passes of a tick rather than once per early detector; a failed read is not kept. */
  private dataOpenAt(store: Store, now: Date): Promise<number> {
    const cached = this.openAt;
    if (cached && Math.abs(now.getTime() - cached.at) < OPEN_AT_REUSE_MS) return cached.value;
    const value = earlyClock(store, now);
    const entry = { at: now.getTime(), value };
    this.openAt = entry;
    value.catch(() => {
      if (this.openAt === entry) this.openAt = undefined;
    });
    return value;
  }

  /** Stops the cron tasks, waits for the cycles in progress (SIGTERM) and closes the lanes' sessions. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const task of this.tasks) await task.stop();
    await Promise.all(this.inFlight);
    for (const store of this.lanes.opened()) await store.close();
  }
}
