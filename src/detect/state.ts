import { detectorRunDuration, detectorRuns } from '../telemetry/metrics.ts';
import type { Store } from '../store/store.ts';
import { selectRows } from '../store/select-rows.ts';
import { clickHouseTime, fromClickHouseTime, type TimeWindow } from './windows.ts';

/** Scheduler state in ClickHouse (0009_detector_watermarks.sql): watermarks and per-window runs. */

// Explicit on every insert: chdb keeps the previous insert's deduplication token on its session.
const INSERT_SETTINGS = { insert_deduplication_token: '' } as const;

export async function readWatermark(store: Store, detector: string): Promise<number | null> {
  const [row] = await selectRows<{ watermark: string }>(store, 'SELECT watermark FROM detector_watermarks FINAL WHERE detector = {d:String}', { d: detector });
  return row ? fromClickHouseTime(row.watermark).getTime() : null;
}

export async function writeWatermark(store: Store, detector: string, watermark: number, now: Date): Promise<void> {
  await store.client.insert({
    table: 'detector_watermarks',
    values: [{ detector, watermark: clickHouseTime(watermark), updated_at: clickHouseTime(now) }],
    format: 'JSONEachRow',
    clickhouse_settings: INSERT_SETTINGS,
  });
}

export interface RunRecord {
  window: TimeWindow;
  evaluatedAt: Date;
  trigger: 'schedule' | 'catch-up' | 'late-data' | 'max-wait' | 'early';
  sourceMarks: Record<string, number>;
  rows: number;
  alerts: number;
  newAlerts: number;
  durationMs: number;
}

export async function recordRun(store: Store, detector: string, run: RunRecord): Promise<void> {
  detectorRunDuration.observe({ detector, outcome: 'ok' }, run.durationMs / 1000);
  detectorRuns.inc({ detector, outcome: 'ok' });
  const marks = Object.fromEntries(Object.entries(run.sourceMarks).map(([s, ms]) => [s, clickHouseTime(ms)]));
  await store.client.insert({
    table: 'detector_runs',
    values: [{
      detector,
      window_start: clickHouseTime(run.window.from),
      window_end: clickHouseTime(run.window.to),
      evaluated_at: clickHouseTime(run.evaluatedAt),
      trigger: run.trigger,
      source_marks: marks,
      rows: run.rows,
      alerts: run.alerts,
      new_alerts: run.newAlerts,
      duration_ms: Math.min(run.durationMs, 4_294_967_295),
    }],
    format: 'JSONEachRow',
    clickhouse_settings: INSERT_SETTINGS,
  });
}

export interface RecordedWindow {
  window: TimeWindow;
  sourceMarks: Record<string, number>;
}

/** Evaluated windows ending after `since`, with the source marks of their latest evaluation. */
export async function recentRuns(store: Store, detector: string, since: number): Promise<RecordedWindow[]> {
  const rows = await selectRows<{ window_start: string; window_end: string; source_marks: Record<string, string> }>(
    store,
    `SELECT window_start, window_end, source_marks FROM detector_runs FINAL
            WHERE detector = {d:String} AND window_end > {since:DateTime64(3)} ORDER BY window_end`,
    { d: detector, since: clickHouseTime(since) },
  );
  return rows.map((r) => ({
    window: { from: fromClickHouseTime(r.window_start), to: fromClickHouseTime(r.window_end) },
    sourceMarks: Object.fromEntries(Object.entries(r.source_marks).map(([s, t]) => [s, fromClickHouseTime(t).getTime()])),
  }));
}
