import type { AnyDetector } from '../detect/define-detector.ts';
import { clickHouseTime, fromClickHouseTime } from '../detect/windows.ts';
import { AppError } from '../errors.ts';
import { selectRows } from '../store/select-rows.ts';
import type { Store } from '../store/store.ts';
import { daysOf } from './posture.ts';

/**
 * A detector's history over [from, to): its evaluations (detector_runs, the latest evaluation of
 * each window, newest first, at most 1,000) and the alerts it raised per UTC day (alerts by first
 * sighting). detector_runs holds completed evaluations only — a failed run is counted in the
 * driftwatch_detector_runs_total{outcome="failed"} metric and retried, not stored — so a run's
 * outcome here says whether it raised alerts.
 */

const RUN_LIMIT = 1000;

const RUNS_SQL = `
SELECT toString(evaluated_at) AS at, toString(window_start) AS ws, toString(window_end) AS we, toString(trigger) AS run_trigger,
       duration_ms, rows, alerts, new_alerts
FROM detector_runs FINAL
WHERE detector = {id:String} AND window_end > {from:DateTime64(3)} AND window_start < {to:DateTime64(3)}
ORDER BY window_end DESC LIMIT ${RUN_LIMIT}`;

const PER_DAY_SQL = `
SELECT toString(toDate(first_seen)) AS day, count() AS count FROM alerts FINAL
WHERE detector = {id:String} AND first_seen >= {from:DateTime64(3)} AND first_seen < {to:DateTime64(3)}
GROUP BY day ORDER BY day`;

interface RunRow { at: string; ws: string; we: string; run_trigger: string; duration_ms: number; rows: number; alerts: number; new_alerts: number }

const iso = (t: string) => fromClickHouseTime(t).toISOString();

export async function detectorHistory(store: Store, detectors: readonly AnyDetector[], id: string, range: { from: string; to: string }) {
  if (!detectors.some((d) => d.id === id)) throw new AppError('DETECTOR_NOT_FOUND', `no detector ${id}`, { id });
  const params = { id, from: clickHouseTime(Date.parse(range.from)), to: clickHouseTime(Date.parse(range.to)) };
  const [runs, perDay] = await Promise.all([selectRows<RunRow>(store, RUNS_SQL, params), selectRows<{ day: string; count: number }>(store, PER_DAY_SQL, params)]);
  const countOf = new Map(perDay.map((r) => [r.day, r.count]));
  return {
    id, from: range.from, to: range.to,
    runs: runs.map((r) => ({
      at: iso(r.at), outcome: r.alerts > 0 ? 'alerted' as const : 'quiet' as const, durationMs: r.duration_ms, alerts: r.alerts,
      newAlerts: r.new_alerts, rows: r.rows, trigger: r.run_trigger, windowStart: iso(r.ws), windowEnd: iso(r.we),
    })),
    runsTruncated: runs.length === RUN_LIMIT,
    alertsPerDay: daysOf(range.from, range.to).map((day) => ({ day, count: countOf.get(day) ?? 0 })),
  };
}
