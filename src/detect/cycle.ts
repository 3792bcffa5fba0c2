import type { SourceKind } from '../decode/types.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { persistBatchAlerts, type Alert } from './alerts.ts';
import type { AnyDetector } from './define-detector.ts';
import { HOUR_MS } from './duration.ts';
import { batchWindows } from './plan.ts';
import { runDetectorWindows } from './run.ts';
import { dataClock, highWaterReader, landedHours, lateSources, minuteMarks, newestEvent, windowMarks } from './sources.ts';
import { readWatermark, recentRuns, recordRun, writeWatermark, type RunRecord } from './state.ts';
import { alignDown, dataWindow, type TimeWindow } from './windows.ts';

/**
 * One scheduler cycle of one detector. The node-cron wiring is in scheduler.ts; this is the logic,
 * driven by an explicit `now` so it is tested with a fake clock.
 *
 * 1. Due windows, in order: every aligned window ending in (watermark, now − settle]. A window is
 *    evaluated only when each `requires` source has reported past its end (or maxWait has passed:
 *    then it runs anyway, flagged, because a source that never reports must not stall detection
 *    forever — a gateway with no traffic at all is itself what session-without-gateway is about).
 *    maxWait passes on the wall clock and on the data's own clock (the newest any source reported):
 *    when a backlog is caught up, a lagging source is waited for until the others are maxWait on.
 *    The watermark advances after each batch (a day of windows in one query for a batch detector,
 *    else one window), so a crash resumes at the first unevaluated window and downtime is caught
 *    up batch by batch.
 * 2. Late data: windows evaluated within the recheck horizon whose sources have rows ingested after
 *    that evaluation are evaluated again. Fingerprints make the repeat idempotent; only incidents
 *    the late data revealed come out as new alerts.
 */

export interface CycleDeps {
  store: Store;
  log: Logger;
  /** The policy version in force, recorded on alerts. */
  policyVersion: string;
  onNewAlerts?: (alerts: Alert[], detector: AnyDetector) => void | Promise<void>;
  /** Where a detector without a watermark starts; default: its last complete window only. */
  initialWatermark?: number;
  /** Bound on windows per cycle so one detector's long catch-up does not starve the others. */
  maxWindowsPerCycle?: number;
  /**
   * Throws when this process may no longer write (it lost the scheduler lease: src/service/lease.ts).
   * Called before alerts are stored and before a watermark moves, so a replica that stalled past its
   * lease stops before writing anything the new holder also writes.
   */
  fence?: () => Promise<void>;
}

export interface WindowOutcome {
  window: TimeWindow;
  trigger: RunRecord['trigger'];
  rows: number;
  alerts: number;
  newAlerts: Alert[];
  durationMs: number;
}

export interface CycleReport {
  detector: string;
  evaluated: WindowOutcome[];
  /** Set when due windows wait for a source. */
  waiting?: { source: SourceKind; reportedUntil: number | null; windowEnd: number };
  watermark: number;
}

/**
 * Evaluates consecutive windows (one query for a batch detector), stores their alerts and records
 * each window's run with the source marks read before the query.
 */
export async function evaluateWindows(
  deps: CycleDeps,
  detector: AnyDetector,
  windows: readonly TimeWindow[],
  triggers: readonly RunRecord['trigger'][],
  now: Date,
): Promise<WindowOutcome[]> {
  const first = windows[0] as TimeWindow;
  const last = windows[windows.length - 1] as TimeWindow;
  // Marks before the query: data landing during the run is then seen as late, never as covered.
  const marks = await minuteMarks(deps.store, detector.sources, { from: first.from, to: last.to });
  const early = triggers.every((t) => t === 'early');
  const runs = await runDetectorWindows(deps.store, detector, windows, { now, policyVersion: deps.policyVersion, early });
  await deps.fence?.();
  const createdByWindow = await persistBatchAlerts(deps.store, runs.map((r) => r.alerts), now, { growing: detector.early });
  const outcomes: WindowOutcome[] = [];
  for (const [i, run] of runs.entries()) {
    const trigger = triggers[i] ?? 'schedule';
    const newAlerts = createdByWindow[i] ?? [];
    await recordRun(deps.store, detector.id, {
      window: run.window, evaluatedAt: now, trigger, sourceMarks: windowMarks(marks, run.window),
      rows: run.rows, alerts: run.alerts.length, newAlerts: newAlerts.length, durationMs: run.durationMs,
    });
    // An early look at an open window repeats every tick while data flows: worth a line only when it found something.
    const level = trigger === 'early' && newAlerts.length === 0 ? 'debug' : 'info';
    deps.log[level](
      {
        detector: detector.id, trigger, windowStart: run.window.from.toISOString(), windowEnd: run.window.to.toISOString(),
        durationMs: run.durationMs, rows: run.rows, alerts: run.alerts.length, newAlerts: newAlerts.length,
        lagMs: now.getTime() - run.window.to.getTime(),
      },
      'Detector run finished',
    );
    // Awaited: the outbox rows are written before the watermark moves past this window.
    if (newAlerts.length > 0) await deps.onNewAlerts?.(newAlerts, detector);
    outcomes.push({ window: run.window, trigger, rows: run.rows, alerts: run.alerts.length, newAlerts, durationMs: run.durationMs });
  }
  return outcomes;
}

/** One window (late-data re-evaluation, tests). */
export async function evaluateWindow(
  deps: CycleDeps,
  detector: AnyDetector,
  window: TimeWindow,
  trigger: RunRecord['trigger'],
  now: Date,
): Promise<WindowOutcome> {
  return (await evaluateWindows(deps, detector, [window], [trigger], now))[0] as WindowOutcome;
}

/** How many open windows an early pass always looks at: the one holding now and the one before it, still settling. */
const EARLY_WINDOWS = 2;
/** The most windows one early pass evaluates, the newest: a first look at a long backlog leaves the rest to the regular runs. */
const MAX_EARLY_WINDOWS = 24;

/**
 * Where the open windows are: the wall clock, or the data's own clock (the newest event stored,
 * sources.ts newestEvent) when that is behind — a backlog being read, a feed replaying its past
 * (the simulator's compressed hours): the rows landing now fill the windows at the data's newest
 * mark, and those are the ones worth an early look. A mark ahead of the wall clock (a skewed
 * sender) is not followed.
 */
export async function earlyClock(store: Store, now: Date): Promise<number> {
  const data = await newestEvent(store, now);
  return data === null ? now.getTime() : Math.min(now.getTime(), data);
}

export interface EarlyLook {
  windows: TimeWindow[];
  /** The latest time a row of the detector's `earlyOn` sources was stored in those windows' hours (the next look's `landedSince`). */
  landedUntil: number;
}

/**
 * The windows an early pass looks at: after the detector's watermark (the regular run's), the
 * open ones — the window holding `openAt` (earlyClock) and the one before, still in its settle — and
 * any other whose hours had rows of the detector's `earlyOn` sources stored after `landedSince`: an export
 * delivered an hour or more late (a usage report's bucket) lands in a window that is neither, and
 * waits there for its `requires` source until the regular run may judge it.
 */
export async function earlyLook(deps: CycleDeps, detector: AnyDetector, now: Date, options: { openAt?: number; landedSince?: number } = {}): Promise<EarlyLook> {
  const { every, lookback } = detector.scheduleMs;
  const current = alignDown(options.openAt ?? (await earlyClock(deps.store, now)), every) + every;
  // Before the first regular run there is no watermark: where that run will start (the scheduler's `since`), or else
  // just the open windows.
  const after = alignDown((await readWatermark(deps.store, detector.id)) ?? deps.initialWatermark ?? current - EARLY_WINDOWS * every, every);
  const ends = new Set<number>();
  for (let end = Math.max(after + every, current - (EARLY_WINDOWS - 1) * every); end <= current; end += every) ends.add(end);
  const landed = await landedHours(deps.store, detector.earlyOn, { from: after + every - lookback, until: now.getTime(), since: options.landedSince ?? 0 });
  for (const hour of landed.hours) {
    // The windows [end − lookback, end) this hour overlaps, up to the open one.
    for (let end = alignDown(hour, every) + every; end < hour + HOUR_MS + lookback && end <= current; end += every) {
      if (end > after) ends.add(end);
    }
  }
  const windows = [...ends].sort((a, b) => a - b).slice(-MAX_EARLY_WINDOWS).map((end) => dataWindow(end, lookback));
  return { windows, landedUntil: landed.until };
}

/**
 * Early evaluation of a detector whose findings only grow with its window's data (`early`): the
 * windows of `earlyLook`, evaluated with what has landed so far. An alert found early has the
 * fingerprint the regular evaluation gives it later, so that one finds it known: one alert, one
 * delivery, now rather than after the window's end and settle. The watermark does not move. The
 * scheduler runs it before the regular run of the same tick, so a catch-up of older windows does not
 * hold it up.
 */
export async function runEarly(deps: CycleDeps, detector: AnyDetector, now: Date, look?: EarlyLook): Promise<WindowOutcome[]> {
  const { windows } = look ?? (await earlyLook(deps, detector, now));
  const outcomes: WindowOutcome[] = [];
  for (const batch of batchWindows(detector, windows)) {
    outcomes.push(...(await evaluateWindows(deps, detector, batch, batch.map(() => 'early' as const), now)));
  }
  return outcomes;
}

export async function runCycle(deps: CycleDeps, detector: AnyDetector, now: Date, options: { recheck?: boolean } = {}): Promise<CycleReport> {
  const { every, lookback, settle, maxWait, recheck } = detector.scheduleMs;
  const limit = alignDown(now.getTime() - settle, every);
  let watermark = (await readWatermark(deps.store, detector.id)) ?? deps.initialWatermark ?? limit - every;
  watermark = alignDown(watermark, every);
  const report: CycleReport = { detector: detector.id, evaluated: [], watermark };
  const reportedUntil = highWaterReader(deps.store, now);

  const max = deps.maxWindowsPerCycle ?? 500;
  let dataNow: number | undefined;
  // The due windows first (readiness is read once per source), then evaluated in batches; the
  // watermark moves after each batch, so a crash resumes at the batch's first window.
  const due: { end: number; trigger: RunRecord['trigger'] }[] = [];
  for (let end = watermark + every; end <= limit && due.length < max; end += every) {
    let missing: SourceKind | undefined;
    let missingUntil: number | null = null;
    for (const s of detector.requires) {
      const hw = await reportedUntil(s);
      if (hw === null || hw < end) {
        missing = s;
        missingUntil = hw;
        break;
      }
    }
    let trigger: RunRecord['trigger'] = end < limit ? 'catch-up' : 'schedule';
    if (missing !== undefined) {
      // Waited for on the wall clock and on the data's own clock (sources.ts dataClock), whichever is behind. Before
      // any source has stored anything (a first start, ingest not caught up yet) there is no data clock and nothing
      // to judge: running every window "anyway" then would judge them before their rows land, and the rows landing
      // later, source by source, would be judged by the late-data recheck with one source in and the other not.
      dataNow ??= (await dataClock(reportedUntil)) ?? Number.NEGATIVE_INFINITY;
      if (Math.min(now.getTime(), dataNow) - end < maxWait) {
        report.waiting = { source: missing, reportedUntil: missingUntil, windowEnd: end };
        deps.log.debug({ detector: detector.id, source: missing, windowEnd: new Date(end).toISOString() }, 'Waiting for source data');
        break;
      }
      trigger = 'max-wait';
      deps.log.warn({ detector: detector.id, source: missing, windowEnd: new Date(end).toISOString() }, 'Source has not reported past the window end within maxWait; evaluating anyway');
    }
    due.push({ end, trigger });
  }
  let next = 0;
  for (const batch of batchWindows(detector, due.map((d) => dataWindow(d.end, lookback)))) {
    // Batches are consecutive slices of `due`, in order.
    const triggers = due.slice(next, next + batch.length).map((d) => d.trigger);
    next += batch.length;
    report.evaluated.push(...(await evaluateWindows(deps, detector, batch, triggers, now)));
    const end = (batch[batch.length - 1] as TimeWindow).to.getTime();
    await deps.fence?.();
    await writeWatermark(deps.store, detector.id, end, now);
    report.watermark = end;
  }
  const behind = Math.max(0, Math.floor((limit - report.watermark) / every));
  if (behind > 0 && !report.waiting) deps.log.info({ detector: detector.id, windowsBehind: behind }, 'Detector catching up');

  if (options.recheck !== false && detector.sources.length > 0) {
    const evaluatedNow = new Set(report.evaluated.map((o) => o.window.to.getTime()));
    const runs = (await recentRuns(deps.store, detector.id, now.getTime() - recheck)).filter((r) => !evaluatedNow.has(r.window.to.getTime()));
    if (runs.length > 0) {
      const span = { from: new Date(Math.min(...runs.map((r) => r.window.from.getTime()))), to: new Date(Math.max(...runs.map((r) => r.window.to.getTime()))) };
      const marks = await minuteMarks(deps.store, detector.sources, span);
      for (const run of runs) {
        const late = lateSources(run.sourceMarks, windowMarks(marks, run.window));
        if (late.length === 0) continue;
        deps.log.info({ detector: detector.id, windowEnd: run.window.to.toISOString(), sources: late }, 'Late data landed; re-evaluating window');
        report.evaluated.push(await evaluateWindow(deps, detector, run.window, 'late-data', now));
      }
    }
  }
  return report;
}
