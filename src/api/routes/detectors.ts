import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { citedControls, controlOf } from '../../detect/controls.ts';
import { SIGNALS, signalOf, type AnyDetector } from '../../detect/define-detector.ts';
import type { Store } from '../../store/store.ts';
import type { ApiEnv } from '../env.ts';
import { problemResponses } from '../problem.ts';

/**
 * /api/detectors: the corpus with its metadata, and per detector the scheduler's view
 * (0009_detector_watermarks.sql): the watermark, the last evaluated window and how it went, when
 * the next window is due (watermark + every + settle, as the scheduler plans it), and alert
 * counts by status.
 * outcome: never-run (no watermark), behind (the next window was due more than one period ago:
 * the scheduler is down or catching up), ok.
 */

const DetectorInfo = z.object({
  id: z.string(), title: z.string(), description: z.string(), severity: z.string(), audience: z.string(),
  schedule: z.object({ every: z.string(), lookback: z.string(), settle: z.string() }),
  requires: z.array(z.string()), sources: z.array(z.string()), runbook: z.string(),
  category: z.string().openapi({ description: 'the detector family: gateway, billing, idp, cross-source' }),
  falsePositives: z.array(z.string()), signal: z.enum(SIGNALS),
  controls: z.array(z.object({ framework: z.string(), id: z.string(), name: z.string().nullable() })),
  lastRunAt: z.string().nullable(),
  watermark: z.string().nullable(), nextRunAt: z.string().nullable(), outcome: z.enum(['never-run', 'behind', 'ok']),
  lastRun: z.object({
    windowStart: z.string(), windowEnd: z.string(), evaluatedAt: z.string(), trigger: z.string(), rows: z.number(), alerts: z.number(),
    newAlerts: z.number(), durationMs: z.number(),
  }).nullable(),
  alerts: z.object({ total: z.number(), byStatus: z.record(z.string(), z.number()) }),
}).openapi('Detector');

const iso = (t: string) => `${t.replace(' ', 'T')}Z`;

async function json<T>(store: Store, query: string): Promise<T[]> {
  const res = await store.client.query({ query, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
  return res.json<T>();
}

export async function detectorsReport(store: Store, detectors: readonly AnyDetector[], now: Date) {
  const [marks, runs, counts] = await Promise.all([
    json<{ detector: string; watermark: string }>(store, 'SELECT toString(detector) AS detector, toString(watermark) AS watermark FROM detector_watermarks FINAL'),
    json<{ detector: string; ws: string; we: string; at: string; trigger: string; rows: number; alerts: number; new_alerts: number; duration_ms: number }>(store, `
      SELECT toString(detector) AS detector, toString(argMax(window_start, evaluated_at)) AS ws, toString(argMax(window_end, evaluated_at)) AS we,
             toString(max(evaluated_at)) AS at, toString(argMax(trigger, evaluated_at)) AS trigger, argMax(rows, evaluated_at) AS rows,
             argMax(alerts, evaluated_at) AS alerts, argMax(new_alerts, evaluated_at) AS new_alerts, argMax(duration_ms, evaluated_at) AS duration_ms
      FROM detector_runs GROUP BY detector`),
    json<{ detector: string; status: string; n: number }>(store, 'SELECT toString(detector) AS detector, toString(status) AS status, count() AS n FROM alerts FINAL GROUP BY detector, status'),
  ]);
  const markOf = new Map(marks.map((m) => [m.detector, m.watermark]));
  const runOf = new Map(runs.map((r) => [r.detector, r]));
  return detectors.map((d) => {
    const mark = markOf.get(d.id);
    const markMs = mark === undefined ? undefined : Date.parse(iso(mark));
    const nextMs = markMs === undefined ? undefined : markMs + d.scheduleMs.every + d.scheduleMs.settle;
    const outcome = nextMs === undefined ? 'never-run' as const : now.getTime() - nextMs > d.scheduleMs.every ? 'behind' as const : 'ok' as const;
    const run = runOf.get(d.id);
    const byStatus = Object.fromEntries(counts.filter((c) => c.detector === d.id).map((c) => [c.status, c.n]));
    return {
      id: d.id, title: d.title, description: d.description, severity: d.severity, audience: d.audience,
      schedule: { every: d.schedule.every, lookback: d.schedule.lookback, settle: d.schedule.settle },
      requires: [...d.requires], sources: [...d.sources], runbook: d.runbook,
      category: d.id.slice(0, d.id.indexOf('.')), falsePositives: [...d.falsePositives], signal: signalOf(d),
      controls: citedControls(d.controls).map((c) => ({ ...c, name: controlOf(c.framework, c.id)?.name ?? null })),
      lastRunAt: run ? iso(run.at) : null,
      watermark: mark === undefined ? null : iso(mark), nextRunAt: nextMs === undefined ? null : new Date(nextMs).toISOString(), outcome,
      lastRun: run ? {
        windowStart: iso(run.ws), windowEnd: iso(run.we), evaluatedAt: iso(run.at), trigger: run.trigger, rows: run.rows, alerts: run.alerts,
        newAlerts: run.new_alerts, durationMs: run.duration_ms,
      } : null,
      alerts: { total: Object.values(byStatus).reduce((n, x) => n + x, 0), byStatus },
    };
  });
}

export function detectorRoutes(store: Store, detectors: readonly AnyDetector[], now: () => Date) {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(createRoute({
    method: 'get', path: '/api/detectors', tags: ['detectors'], summary: 'Detectors with last run, next run, outcome and alert counts',
    security: [{ bearer: [] }],
    responses: { 200: { description: 'The corpus', content: { 'application/json': { schema: z.object({ detectors: z.array(DetectorInfo) }) } } }, ...problemResponses },
  }), async (c) => c.json({ detectors: await detectorsReport(store, detectors, now()) }, 200));
  return app;
}
