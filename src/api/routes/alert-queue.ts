import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { TRIAGE_STATUSES } from '../../alerts/schemas.ts';
import { AppError } from '../../errors.ts';
import type { AlertsPort } from '../alerts-port.ts';
import type { ApiEnv } from '../env.ts';
import { jsonResponse } from '../json-response.ts';
import { ProblemSchema, problem, problemResponses } from '../problem.ts';
import { ActionBody, AlertListQuery, alertFilterOf, toAction } from './alerts.ts';

/**
 * The alert queue's support: counts per status for the queue's tabs under the same filters as
 * /api/alerts (minus status), and bulk triage — one action applied to up to 500 alerts, each
 * answered on its own (an alert that does not exist or cannot make the move fails alone).
 */

export const AlertCountsQuery = AlertListQuery.pick({ detector: true, severity: true, audience: true, team: true, from: true, to: true });
const ByStatus = z.object(Object.fromEntries(TRIAGE_STATUSES.map((s) => [s, z.number().int()])) as Record<(typeof TRIAGE_STATUSES)[number], z.ZodNumber>)
  .catchall(z.number().int());
const CountsResponse = z.object({ byStatus: ByStatus }).openapi('AlertCounts');

export const BulkActionBody = z.object({
  ids: z.array(z.string().min(1).max(128)).min(1).max(500).openapi({ description: 'alert ids, at most 500' }),
  action: ActionBody,
}).openapi('BulkTriageAction');
const BulkResult = z.object({
  id: z.string(), ok: z.boolean(), status: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
const BulkResponse = z.object({ results: z.array(BulkResult), succeeded: z.number().int(), failed: z.number().int() }).openapi('BulkTriageResult');

/** Failures that concern one alert; anything else (store down, a bug) fails the whole request. */
const PER_ALERT = new Set(['ALERT_NOT_FOUND', 'ALERT_BAD_TRANSITION']);


export function alertQueueRoutes(port: AlertsPort | undefined, now: () => Date) {
  const app = new OpenAPIHono<ApiEnv>();
  const unavailable = jsonResponse(ProblemSchema, 'Alerts are not wired into this process');

  app.openapi(createRoute({
    method: 'get', path: '/api/alerts/counts', tags: ['alerts'], summary: 'Alerts per status under the queue\'s filters', security: [{ bearer: [] }],
    request: { query: AlertCountsQuery },
    responses: { 200: jsonResponse(CountsResponse, 'Counts per status'), ...problemResponses, 503: unavailable },
  }), async (c) => {
    if (!port) return problem(c, 503, 'ALERTS_UNAVAILABLE', 'no alert repository is configured');
    const q = c.req.valid('query');
    const filter = alertFilterOf(q);
    const counts = port.countAlerts ? await port.countAlerts(filter) : (await port.listAlerts(filter, { limit: 1, offset: 0 })).countsByStatus;
    const byStatus = { ...Object.fromEntries(TRIAGE_STATUSES.map((s) => [s, 0])), ...counts } as z.infer<typeof ByStatus>;
    return c.json({ byStatus }, 200);
  });

  app.openapi(createRoute({
    method: 'post', path: '/api/alerts/actions', tags: ['alerts'], summary: 'Bulk triage: one action on up to 500 alerts, a result per alert',
    security: [{ bearer: [] }],
    request: { body: { content: { 'application/json': { schema: BulkActionBody } }, required: true } },
    responses: { 200: jsonResponse(BulkResponse, 'A result per id'), ...problemResponses, 403: jsonResponse(ProblemSchema, 'The read token cannot act'), 503: unavailable },
  }), async (c) => {
    if (!port) return problem(c, 503, 'ALERTS_UNAVAILABLE', 'no alert repository is configured');
    const body = c.req.valid('json');
    const action = toAction(body.action);
    const actor = body.action.actor ?? c.get('actor');
    const at = now();
    const results: z.infer<typeof BulkResult>[] = [];
    // One after another: each action reads then writes the alert's triage row, and ids may repeat.
    for (const id of [...new Set(body.ids)]) {
      try {
        const alert = await port.applyAction(id, action, actor, at);
        results.push({ id, ok: true, status: alert.status, error: null });
      } catch (err) {
        if (!(err instanceof AppError) || !PER_ALERT.has(err.code)) throw err;
        results.push({ id, ok: false, status: null, error: { code: err.code, message: err.message } });
      }
    }
    const succeeded = results.filter((r) => r.ok).length;
    return c.json({ results, succeeded, failed: results.length - succeeded }, 200);
  });
  return app;
}
