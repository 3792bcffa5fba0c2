import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { defineDetector } from './define-detector.ts';
import { runDetectorWindows, windowGrid } from './run.ts';
import { sharedScratchStore } from './scratch-store.ts';
import { sql } from './sql.ts';
import { dataWindow } from './windows.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-08-19T00:00:00Z');

function batchDetector(query: ReturnType<typeof sql>) {
  return defineDetector({
    id: 'gateway.test-grid',
    title: 'Grid', description: 'One row per window, to observe how a batch is split.',
    severity: 'info', audience: 'finops',
    schedule: { every: '1h', lookback: '1h', settle: '0m' },
    controls: { owaspAgentic: ['ASI08'], maestro: ['L5'], nistAiRmf: ['MEASURE 2.7'], nistCsf: ['DE.CM-01'] },
    runbook: 'Test detector: checks the runtime splits batch results per window.', falsePositives: ['test only'],
    batch: true,
    query,
    // The incident window is the run's: shows each row reached alert() with its own window in ctx.
    alert: (r: { window_end: string; n: number }, ctx) => ({ entity: `w:${r.window_end}:${r.n}`, team: '', identity: '', credential: '', summary: `window ${r.window_end} row`,
      evidence: { figures: { n: r.n } }, windowStart: ctx.window.from, windowEnd: ctx.window.to }),
  });
}

describe('batch runs', () => {
  it('binds the grid, splits rows per window_end and hands each window its own rows', async () => {
    const { store } = await sharedScratchStore();
    // Windows from the grid itself (no table needed): every window gets one row, the second two.
    const d = batchDetector(sql`
      SELECT {from:DateTime64(3)} + toIntervalSecond({lookback:UInt32} + k * {every:UInt32}) AS window_end, toUInt32(k) AS n
      FROM (SELECT arrayJoin(arrayConcat(range(toUInt32(dateDiff('second', {from:DateTime64(3)}, {to:DateTime64(3)}) / {every:UInt32})), [1])) AS k)
      WHERE (SELECT count() FROM gateway_requests WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}) >= 0
      ORDER BY window_end`);
    const windows = [1, 2, 3].map((h) => dataWindow(T0 + h * HOUR, HOUR));
    const runs = await runDetectorWindows(store, d, windows);
    expect(runs.map((r) => [r.window.to.toISOString(), r.rows, r.alerts.length])).toEqual([
      ['2026-08-19T01:00:00.000Z', 1, 1], ['2026-08-19T02:00:00.000Z', 2, 2], ['2026-08-19T03:00:00.000Z', 1, 1],
    ]);
    for (const r of runs) for (const a of r.alerts) expect(a.windowEnd).toBe(r.window.to.toISOString());
  });

  it('refuses rows for a window outside the batch, and windows that are not a grid', async () => {
    const { store } = await sharedScratchStore();
    const d = batchDetector(sql`
      SELECT {to:DateTime64(3)} + toIntervalSecond({every:UInt32}) AS window_end, count() AS n FROM gateway_requests
      WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} AND {lookback:UInt32} > 0`);
    await expect(runDetectorWindows(store, d, [dataWindow(T0 + HOUR, HOUR)])).rejects.toThrow(/window_end .* is not the end of a window/);
    expect(() => windowGrid(d, [dataWindow(T0 + HOUR, HOUR), dataWindow(T0 + 3 * HOUR, HOUR)])).not.toThrow();
    expect(() => windowGrid(d, [dataWindow(T0 + HOUR, HOUR), dataWindow(T0 + 3 * HOUR, HOUR), dataWindow(T0 + 4 * HOUR, HOUR)])).toThrow(AppError);
    expect(() => windowGrid(d, [dataWindow(T0 + HOUR, HOUR), dataWindow(T0 + 2 * HOUR, 2 * HOUR)])).toThrow(/consecutive windows of equal length/);
  });
});
