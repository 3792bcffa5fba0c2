import { describe, expect, it } from 'vitest';
import { defineDetector } from './define-detector.ts';
import { batchWindows, parseTimeOption, planWindows, validateRequest } from './plan.ts';
import { sql } from './sql.ts';
import { dataWindow, fromClickHouseTime, utcDay, windowEnds } from './windows.ts';

/** "Now" for planning: pinned, a day after the windows planned below, so no case depends on the day it runs. */
const NOW = new Date('2026-08-20T12:00:00Z');

const detector = defineDetector({
  id: 'gateway.plan-test',
  title: 'Plan test',
  description: 'Hourly windows reading the last six hours.',
  severity: 'low',
  audience: 'finops',
  schedule: { every: '1h', lookback: '6h', settle: '15m' },
  controls: { owaspAgentic: ['ASI08'], maestro: ['L5'], nistAiRmf: ['MEASURE 2.7'], nistCsf: ['DE.CM-01'] },
  runbook: 'Test only: checks how one-shot runs cut history into windows.',
  falsePositives: ['n/a'],
  query: sql`SELECT 1 FROM gateway_requests WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}`,
  alert: () => null,
});

const iso = (w: { from: Date; to: Date }) => [w.from.toISOString(), w.to.toISOString()];

describe('window planning', () => {
  it('cuts batches at a day of windows and at every gap (an early look skips windows between a late export and the open ones)', () => {
    const hourly = { ...detector, batch: true };
    const at = (h: number) => dataWindow(Date.parse('2026-08-19T00:00:00Z') + h * 3_600_000, 6 * 3_600_000);
    const ends = (batches: { to: Date }[][]) => batches.map((b) => b.map((w) => w.to.toISOString().slice(11, 13)));
    expect(ends(batchWindows(hourly, [at(3), at(4), at(9), at(10), at(11)]))).toEqual([['03', '04'], ['09', '10', '11']]);
    expect(batchWindows(hourly, Array.from({ length: 30 }, (_, h) => at(h))).map((b) => b.length)).toEqual([24, 6]);
    expect(batchWindows(detector, [at(3), at(4)]).map((b) => b.length)).toEqual([1, 1]);
  });
  it('uses the scheduler’s aligned windows: --at, --from/--to, and now − settle', () => {
    expect(planWindows(detector, { at: new Date('2026-08-19T15:42:00Z') }, NOW).map(iso)).toEqual([['2026-08-19T09:00:00.000Z', '2026-08-19T15:00:00.000Z']]);
    expect(planWindows(detector, { from: new Date('2026-08-19T13:30:00Z'), to: new Date('2026-08-19T15:00:00Z') }, NOW).map((w) => w.to.toISOString()))
      .toEqual(['2026-08-19T14:00:00.000Z', '2026-08-19T15:00:00.000Z']);
    expect(planWindows(detector, {}, new Date('2026-08-19T15:10:00Z')).map((w) => w.to.toISOString())).toEqual(['2026-08-19T14:00:00.000Z']);
  });

  it('rejects contradictory or malformed options', () => {
    expect(() => validateRequest({ at: new Date(), from: new Date() })).toThrow(/either --at or --from/);
    expect(() => validateRequest({ from: new Date() })).toThrow(/go together/);
    expect(() => validateRequest({ from: new Date(2), to: new Date(1) })).toThrow(/before --to/);
    expect(() => parseTimeOption('at', 'yesterday')).toThrow(/ISO 8601/);
    expect(parseTimeOption('at', '2026-08-19T15:00:00Z')?.toISOString()).toBe('2026-08-19T15:00:00.000Z');
  });

  it('tiles ranges and reads ClickHouse times as UTC', () => {
    expect(windowEnds(new Date('2026-08-19T00:00:00Z'), new Date('2026-08-20T00:00:00Z'), 86_400_000)).toEqual([Date.parse('2026-08-20T00:00:00Z')]);
    expect(fromClickHouseTime('2026-08-19 14:03:11.512').toISOString()).toBe('2026-08-19T14:03:11.512Z');
    expect(utcDay('2026-08-19 23:59:59.999').windowEnd.toISOString()).toBe('2026-08-20T00:00:00.000Z');
  });
});
