import { AppError } from '../errors.ts';
import type { AnyDetector } from './define-detector.ts';
import { DAY_MS } from './duration.ts';
import { alignDown, dataWindow, windowEnds, type TimeWindow } from './windows.ts';

/**
 * Which data windows a one-shot run (`detect`, `backtest`) evaluates for a detector. The windows
 * are the scheduler's own (aligned to `every`, data range = lookback before the end), so a one-shot
 * run raises the same fingerprints the scheduler would.
 */

export interface WindowRequest {
  /** Evaluate the last complete window ending at or before this time. */
  at?: Date;
  /** Evaluate every window overlapping [from, to). */
  from?: Date;
  to?: Date;
}

export function parseTimeOption(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new AppError('INPUT_UNREADABLE', `--${name} must be an ISO 8601 time, e.g. 2026-08-19T15:00:00Z (got "${value}")`);
  }
  return d;
}

export function validateRequest(req: WindowRequest): void {
  if (req.at && (req.from || req.to)) throw new AppError('INPUT_UNREADABLE', 'use either --at or --from/--to, not both');
  if ((req.from === undefined) !== (req.to === undefined)) throw new AppError('INPUT_UNREADABLE', '--from and --to go together');
  if (req.from && req.to && !(req.from < req.to)) throw new AppError('INPUT_UNREADABLE', '--from must be before --to');
}

/** No option: the window the scheduler would run now (ending at now − settle, aligned). */
export function planWindows(detector: AnyDetector, req: WindowRequest, now: Date): TimeWindow[] {
  const { every, lookback, settle } = detector.scheduleMs;
  if (req.from && req.to) return windowEnds(req.from, req.to, every).map((end) => dataWindow(end, lookback));
  const end = req.at ? alignDown(req.at.getTime(), every) : alignDown(now.getTime() - settle, every);
  return [dataWindow(end, lookback)];
}

/**
 * Windows, in order, cut into the batches one query evaluates: a day of windows per query for a
 * batch detector (a day of hourly windows is one query instead of 24; a month of backtest is 30),
 * one window per query for any other. Bounded so a long backtest still reports progress, and a
 * query's result stays a day's worth of rows. A batch is a run of consecutive windows (one query
 * binds one grid): an early look's windows may skip some (the open ones and an export's late hour,
 * cycle.ts earlyLook), and a gap starts a new batch.
 */
export function batchWindows(detector: AnyDetector, windows: readonly TimeWindow[]): TimeWindow[][] {
  const size = detector.batch ? Math.max(1, Math.floor(DAY_MS / detector.scheduleMs.every)) : 1;
  const batches: TimeWindow[][] = [];
  let batch: TimeWindow[] = [];
  for (const w of windows) {
    const last = batch[batch.length - 1];
    if (last && (batch.length === size || w.to.getTime() - last.to.getTime() !== detector.scheduleMs.every)) {
      batches.push(batch);
      batch = [];
    }
    batch.push(w);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
