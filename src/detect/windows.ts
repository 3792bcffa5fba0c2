import { toClickHouseTime } from '../normalize/time.ts';
import { DAY_MS } from './duration.ts';

/**
 * Window arithmetic. Windows are aligned to multiples of `every` since the Unix epoch (UTC), so
 * the scheduler, `detect --from/--to`, `backtest` and a restarted process all cut history at the
 * same boundaries — which is what makes incident windows, and so fingerprints, repeatable.
 */

export interface TimeWindow {
  from: Date;
  to: Date;
}

export function alignDown(ms: number, every: number): number {
  return Math.floor(ms / every) * every;
}

export function alignUp(ms: number, every: number): number {
  return Math.ceil(ms / every) * every;
}

/** The data window evaluated for the scheduling window ending at `end`. */
export function dataWindow(end: number, lookback: number): TimeWindow {
  return { from: new Date(end - lookback), to: new Date(end) };
}

/** Ends of the aligned windows tiling [from, to): each `every` long, the last one ending ≥ to. */
export function windowEnds(from: Date, to: Date, every: number): number[] {
  const ends: number[] = [];
  for (let end = alignDown(from.getTime(), every) + every; end - every < to.getTime(); end += every) ends.push(end);
  return ends;
}

/** ClickHouse DateTime64(3) text ('YYYY-MM-DD hh:mm:ss.sss', UTC) → Date. */
export function fromClickHouseTime(value: string): Date {
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`not a ClickHouse time: ${value}`);
  return d;
}

/** Date | ClickHouse time | ISO string → Date. */
export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : fromClickHouseTime(value);
}

export function clickHouseTime(value: Date | number): string {
  return toClickHouseTime(typeof value === 'number' ? value : value.getTime());
}

/** The UTC day containing `t` — the usual incident window for "once per entity per day" alerts. */
export function utcDay(t: Date | string): { windowStart: Date; windowEnd: Date } {
  const start = alignDown(toDate(t).getTime(), DAY_MS);
  return { windowStart: new Date(start), windowEnd: new Date(start + DAY_MS) };
}

/** The UTC hour containing `t`. */
export function utcHour(t: Date | string): { windowStart: Date; windowEnd: Date } {
  const start = alignDown(toDate(t).getTime(), 3_600_000);
  return { windowStart: new Date(start), windowEnd: new Date(start + 3_600_000) };
}
