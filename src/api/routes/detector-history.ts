import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AnyDetector } from '../../detect/define-detector.ts';
import type { Store } from '../../store/store.ts';
import { detectorHistory } from '../../views/detector-history.ts';
import { dayRangeFields } from '../day-range.ts';
import type { ApiEnv } from '../env.ts';
import { ProblemSchema, problemResponses } from '../problem.ts';

/** /api/detectors/{id}/history: runs and alerts per day (src/views/detector-history.ts); default the 30 days before tomorrow. */

const IdParam = z.object({ id: z.string().min(1).max(128).openapi({ param: { name: 'id', in: 'path' } }) });
export const HistoryQuery = z.object({ from: dayRangeFields.from.optional(), to: dayRangeFields.to.optional() })
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'from must be before to', path: ['to'] })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, { message: 'at most 400 days', path: ['to'] });

export const HistoryResponse = z.object({
  id: z.string(), from: z.string(), to: z.string(),
  runs: z.array(z.object({
    at: z.string(), outcome: z.enum(['alerted', 'quiet']), durationMs: z.number(), alerts: z.number(), newAlerts: z.number(), rows: z.number(),
    trigger: z.string(), windowStart: z.string(), windowEnd: z.string(),
  })),
  runsTruncated: z.boolean(),
  alertsPerDay: z.array(z.object({ day: z.string(), count: z.number() })),
}).openapi('DetectorHistory');

const DAY = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function detectorHistoryRoutes(store: Store, detectors: readonly AnyDetector[], now: () => Date) {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(createRoute({
    method: 'get', path: '/api/detectors/{id}/history', tags: ['detectors'], summary: 'A detector\'s runs and alerts per day',
    security: [{ bearer: [] }], request: { params: IdParam, query: HistoryQuery },
    responses: {
      200: { description: 'History', content: { 'application/json': { schema: HistoryResponse } } }, ...problemResponses,
      404: { description: 'No detector with this id', content: { 'application/json': { schema: ProblemSchema } } },
    },
  }), async (c) => {
    const q = c.req.valid('query');
    const to = q.to ?? (q.from ? dayOf(Date.parse(q.from) + 30 * DAY) : dayOf(now().getTime() + DAY));
    const from = q.from ?? dayOf(Date.parse(to) - 30 * DAY);
    return c.json(await detectorHistory(store, detectors, c.req.valid('param').id, { from, to }), 200);
  });
  return app;
}
