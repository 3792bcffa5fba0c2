import { AppError, errorMessage } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { buildAlert, type Alert } from './alerts.ts';
import { resolveParams, type AnyDetector, type DetectorContext, type ParamSpecs } from './define-detector.ts';
import { clickHouseTime, type TimeWindow } from './windows.ts';

/**
 * One detector over one data window: bind {from}/{to} and params → run the query in ClickHouse →
 * optional evaluate() → alert() per row → validated, redacted, fingerprinted alerts. Nothing is
 * stored here: the scheduler, `detect` and the test harness persist (alerts.ts), `backtest` does not.
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
}

export interface RunResult {
  detector: string;
  window: TimeWindow;
  /** Rows the query returned (aggregates, not scanned rows). */
  rows: number;
  alerts: Alert[];
  durationMs: number;
}

export async function queryDetector(store: Store, detector: AnyDetector, window: TimeWindow, params: Record<string, unknown>): Promise<object[]> {
  const res = await store.client.query({
    query: detector.query,
    query_params: { ...params, from: clickHouseTime(window.from), to: clickHouseTime(window.to) },
    format: 'JSONEachRow',
    clickhouse_settings: DETECTOR_QUERY_SETTINGS,
  });
  return res.json<object>();
}

export async function runDetector(store: Store, detector: AnyDetector, window: TimeWindow, options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const params = resolveParams(detector, options.params);
  const ctx: DetectorContext<ParamSpecs> = { params, window: { from: window.from, to: window.to } };
  let rows: object[];
  try {
    rows = await queryDetector(store, detector, window, params);
  } catch (err) {
    throw new AppError('DETECTOR_FAILED', `${detector.id}: query failed for [${window.from.toISOString()}, ${window.to.toISOString()}): ${errorMessage(err)}`,
      { detector: detector.id }, true, { cause: err });
  }
  let alerting: object[];
  try {
    alerting = detector.evaluate ? detector.evaluate(rows, ctx) : rows;
  } catch (err) {
    throw new AppError('DETECTOR_FAILED', `${detector.id}: evaluate() failed: ${errorMessage(err)}`, { detector: detector.id }, false, { cause: err });
  }
  const buildCtx = { now: options.now ?? new Date(), policyVersion: options.policyVersion ?? '' };
  const alerts: Alert[] = [];
  for (const row of alerting) {
    let draft;
    try {
      draft = detector.alert(row, ctx);
    } catch (err) {
      throw new AppError('DETECTOR_FAILED', `${detector.id}: alert() failed: ${errorMessage(err)}`, { detector: detector.id }, false, { cause: err });
    }
    if (draft) alerts.push(buildAlert(detector, draft, buildCtx));
  }
  return { detector: detector.id, window, rows: rows.length, alerts, durationMs: Math.round(performance.now() - started) };
}
