import { AppError, errorMessage } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { buildAlert, type Alert } from './alerts.ts';
import { bindsEarly, type AlertDraft, type AnyDetector, type DetectorContext, type ParamSpecs } from './define-detector.ts';
import { judgedBy, paramSets, readOverrides, type ParamSet } from './param-overrides.ts';
import { clickHouseTime, toDate, type TimeWindow } from './windows.ts';

/**
 * A detector over its data window(s): bind {from}/{to} (and, for batch detectors, the window grid)
 * and params → run the query in ClickHouse → per window: optional evaluate() → alert() per row →
 * validated, redacted, fingerprinted alerts. Nothing is stored here: the scheduler, `detect` and
 * the test harness persist (alerts.ts), `backtest` does not.
 */

/**
 * Settings for detector queries, explicit on every query because chdb keeps settings on its
 * session: 64-bit integers as JSON numbers (rows feed arithmetic in evaluate()), and non-Nullable
 * LEFT JOIN defaults ('' / 0), which the detector SQL is written against.
 */
export const DETECTOR_QUERY_SETTINGS = {
  output_format_json_quote_64bit_integers: 0,
  join_use_nulls: 0,
  max_execution_time: 600,
} as const;

export interface RunOptions {
  params?: Record<string, unknown>;
  /** Wall-clock time of the run (first/last seen). */
  now?: Date;
  policyVersion?: string;
  /** An early look at windows still filling (cycle.ts runEarly): bound as `{early:UInt8}` = 1. */
  early?: boolean;
}

export interface RunResult {
  detector: string;
  window: TimeWindow;
  /** Rows the query returned for this window (aggregates, not scanned rows). */
  rows: number;
  alerts: Alert[];
  /** Wall time of the query and alert building; a batch's time is shared evenly by its windows. */
  durationMs: number;
}

/**
 * The shape of a batch: consecutive windows of equal length whose ends are `every` apart. A single
 * window is a batch of one, whatever its length (fixture cases pick their own windows).
 */
export interface WindowGrid {
  from: Date;
  to: Date;
  every: number;
  lookback: number;
}

export function windowGrid(detector: AnyDetector, windows: readonly TimeWindow[]): WindowGrid {
  const first = windows[0];
  const last = windows[windows.length - 1];
  if (!first || !last) throw new AppError('DETECTOR_FAILED', `${detector.id}: no window to evaluate`, { detector: detector.id });
  const lookback = first.to.getTime() - first.from.getTime();
  const every = windows.length > 1 ? (windows[1] as TimeWindow).to.getTime() - first.to.getTime() : lookback;
  windows.forEach((w, i) => {
    if (w.to.getTime() - w.from.getTime() !== lookback || w.to.getTime() !== first.to.getTime() + i * every || every <= 0) {
      throw new AppError('DETECTOR_FAILED', `${detector.id}: a batch needs consecutive windows of equal length`, { detector: detector.id });
    }
  });
  // Only a batch query binds the grid (in seconds); any other query sees just {from}/{to}.
  if (detector.batch && (lookback % 1000 !== 0 || every % 1000 !== 0)) {
    throw new AppError('DETECTOR_FAILED', `${detector.id}: batch windows must be whole seconds`, { detector: detector.id });
  }
  return { from: first.from, to: last.to, every, lookback };
}

export async function queryDetector(store: Store, detector: AnyDetector, grid: WindowGrid, params: Record<string, unknown>, early = false): Promise<object[]> {
  const res = await store.client.query({
    query: detector.query,
    query_params: {
      ...params,
      from: clickHouseTime(grid.from),
      to: clickHouseTime(grid.to),
      ...(bindsEarly(detector) ? { early: early ? 1 : 0 } : {}),
      ...(detector.batch ? { every: grid.every / 1000, lookback: grid.lookback / 1000 } : {}),
    },
    format: 'JSONEachRow',
    clickhouse_settings: DETECTOR_QUERY_SETTINGS,
  });
  return res.json<object>();
}

/** A batch query's rows, per window, in the order the query returned them. */
function rowsByWindow(detector: AnyDetector, rows: object[], windows: readonly TimeWindow[]): object[][] {
  const index = new Map(windows.map((w, i) => [w.to.getTime(), i]));
  const out: object[][] = windows.map(() => []);
  for (const row of rows) {
    const value = (row as { window_end?: unknown }).window_end;
    const i = typeof value === 'string' ? index.get(toDate(value).getTime()) : undefined;
    if (i === undefined) {
      throw new AppError('DETECTOR_FAILED', `${detector.id}: the query returned window_end ${JSON.stringify(value)}, ` +
        `which is not the end of a window in [${windows[0]?.from.toISOString()}, ${windows[windows.length - 1]?.to.toISOString()})`,
      { detector: detector.id }, false);
    }
    (out[i] as object[]).push(row);
  }
  return out;
}

/**
 * One detector over consecutive windows. A batch detector runs one query for all of them; any
 * other runs one query per window. Either way each window's rows go through evaluate() and alert()
 * on their own, with that window in the context, so a batch raises what window-by-window would.
 */
export async function runDetectorWindows(store: Store, detector: AnyDetector, windows: readonly TimeWindow[], options: RunOptions = {}): Promise<RunResult[]> {
  if (!detector.batch) {
    const results: RunResult[] = [];
    for (const window of windows) results.push(...(await runBatch(store, detector, [window], options)));
    return results;
  }
  return runBatch(store, detector, windows, options);
}

/** One detector over one data window. */
export async function runDetector(store: Store, detector: AnyDetector, window: TimeWindow, options: RunOptions = {}): Promise<RunResult> {
  return (await runBatch(store, detector, [window], options))[0] as RunResult;
}

async function runBatch(store: Store, detector: AnyDetector, windows: readonly TimeWindow[], options: RunOptions): Promise<RunResult[]> {
  const started = performance.now();
  const grid = windowGrid(detector, windows);
  // Policy overrides of the params (0023): one run per parameter set, each team's alerts from its own set.
  const sets = paramSets(detector, options.params, await readOverrides(store, detector.id, options.policyVersion));
  const teamsWithOwnSet = new Set(sets.map((s) => s.team).filter((t) => t !== ''));
  const buildCtx = { now: options.now ?? new Date(), policyVersion: options.policyVersion ?? '' };
  const results: RunResult[] = windows.map((window) => ({ detector: detector.id, window, rows: 0, alerts: [], durationMs: 0 }));
  for (const set of sets) {
    const judged = await judgeWindows(store, detector, grid, windows, set, options.early);
    judged.forEach(({ rows, drafts }, i) => {
      const result = results[i] as RunResult;
      if (set.team === '') result.rows = rows;
      for (const draft of drafts) {
        if (!judgedBy(set, draft.team, teamsWithOwnSet)) continue;
        const evidence = { ...draft.evidence, params: { ...set.params }, paramScope: set.scope };
        result.alerts.push(buildAlert(detector, { ...draft, evidence }, buildCtx));
      }
    });
  }
  const share = Math.round((performance.now() - started) / windows.length);
  for (const r of results) r.durationMs = share;
  return results;
}

/** One query with one parameter set, then evaluate() and alert() per window: the drafts, unfiltered. */
async function judgeWindows(store: Store, detector: AnyDetector, grid: WindowGrid, windows: readonly TimeWindow[], set: ParamSet, early = false) {
  const params = set.params;
  const span = `[${grid.from.toISOString()}, ${grid.to.toISOString()})`;
  let rows: object[];
  try {
    rows = await queryDetector(store, detector, grid, params, early);
  } catch (err) {
    throw new AppError('DETECTOR_FAILED', `${detector.id}: query failed for ${span}: ${errorMessage(err)}`,
      { detector: detector.id }, true, { cause: err });
  }
  const perWindow = detector.batch ? rowsByWindow(detector, rows, windows) : [rows];
  return windows.map((window, i) => {
    const windowRows = perWindow[i] as object[];
    const ctx: DetectorContext<ParamSpecs> = { params, window: { from: window.from, to: window.to } };
    let alerting: object[];
    try {
      alerting = detector.evaluate ? detector.evaluate(windowRows, ctx) : windowRows;
    } catch (err) {
      throw new AppError('DETECTOR_FAILED', `${detector.id}: evaluate() failed: ${errorMessage(err)}`, { detector: detector.id }, false, { cause: err });
    }
    const drafts: AlertDraft[] = [];
    for (const row of alerting) {
      let draft;
      try {
        draft = detector.alert(row, ctx);
      } catch (err) {
        throw new AppError('DETECTOR_FAILED', `${detector.id}: alert() failed: ${errorMessage(err)}`, { detector: detector.id }, false, { cause: err });
      }
      if (draft) drafts.push(draft);
    }
    return { rows: windowRows.length, drafts };
  });
}
