import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AlertFilter, AlertsPort, TriageAction } from '../alerts-port.ts';
import type { ApiEnv } from '../env.ts';
import { jsonResponse } from '../json-response.ts';
import { ProblemSchema, problem, problemResponses } from '../problem.ts';

/** /api/alerts: list with filters, one alert with its evidence, lifecycle actions (write token). */

/** `a,b` or repeated parameters → a list; empty → no filter. */
const list = z.string().optional().transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined));

export const AlertListQuery = z.object({
  status: list.openapi({ description: 'comma-separated, e.g. open,acknowledged' }),
  detector: list.openapi({ description: 'comma-separated detector ids' }),
  severity: list.openapi({ description: 'comma-separated: info,low,medium,high,critical' }),
  audience: list.openapi({ description: 'soc and/or finops' }),
  team: list.openapi({ description: 'comma-separated team ids' }),
  from: z.iso.datetime({ offset: true }).optional().openapi({ description: "alerts whose incident window overlaps [from, to): the window ends after `from`" }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'alerts whose incident window overlaps [from, to): the window starts before `to`' }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  sort: z.enum(['last_seen', 'severity', 'first_seen']).default('last_seen'),
  order: z.enum(['asc', 'desc']).default('desc'),
});

const AlertRecordSchema = z.looseObject({
  id: z.string(), fingerprint: z.string(), detector: z.string(), title: z.string(), severity: z.string(), audience: z.string(),
  team: z.string(), identity: z.string(), credential: z.string(), entity: z.string(), windowStart: z.string(), windowEnd: z.string(),
  summary: z.string(), impactUsd: z.number().nullable(), firstSeen: z.string(), lastSeen: z.string(), status: z.string(),
}).openapi('AlertRecord');

const AlertDetailSchema = AlertRecordSchema.extend({ evidence: z.unknown() }).openapi('AlertDetail');

const AlertListSchema = z.object({
  items: z.array(AlertRecordSchema), total: z.number().int(), countsByStatus: z.record(z.string(), z.number()),
  limit: z.number().int(), offset: z.number().int(),
}).openapi('AlertList');

const actor = z.string().trim().min(1).max(200).optional().openapi({ description: 'who acts (defaults to the token)' });
export const ActionBody = z.discriminatedUnion('action', [
  z.object({ action: z.literal('ack'), actor }),
  z.object({ action: z.literal('resolve'), note: z.string().max(4000).optional(), actor }),
  z.object({ action: z.literal('invalid'), reason: z.string().trim().min(1).max(4000), actor }),
  z.object({ action: z.literal('snooze'), until: z.iso.datetime({ offset: true }), actor }),
  z.object({ action: z.literal('assign'), assignee: z.string().trim().min(1).max(200), actor }),
  z.object({ action: z.literal('comment'), text: z.string().trim().min(1).max(10_000), actor }),
  z.object({ action: z.literal('reopen'), actor }),
]).openapi('TriageAction');

export function toAction(body: z.infer<typeof ActionBody>): TriageAction {
  switch (body.action) {
    case 'ack': return { kind: 'ack' };
    case 'resolve': return body.note === undefined ? { kind: 'resolve' } : { kind: 'resolve', note: body.note };
    case 'invalid': return { kind: 'invalid', reason: body.reason };
    case 'snooze': return { kind: 'snooze', until: new Date(body.until) };
    case 'assign': return { kind: 'assign', assignee: body.assignee };
    case 'comment': return { kind: 'comment', text: body.text };
    case 'reopen': return { kind: 'reopen' };
  }
}

const IdParam = z.object({ id: z.string().min(1).max(128).openapi({ param: { name: 'id', in: 'path' } }) });
const notFound = jsonResponse(ProblemSchema, 'No alert with this id');

/** The repository's filter from a parsed query: only the fields it gives (counts take the same minus status). */
export function alertFilterOf(q: Partial<Pick<z.infer<typeof AlertListQuery>, 'status' | 'detector' | 'severity' | 'audience' | 'team' | 'from' | 'to'>>): AlertFilter {
  return {
    ...(q.status && { status: q.status }), ...(q.detector && { detector: q.detector }), ...(q.severity && { severity: q.severity }),
    ...(q.audience && { audience: q.audience }), ...(q.team && { team: q.team }),
    ...(q.from && { from: new Date(q.from) }), ...(q.to && { to: new Date(q.to) }),
  };
}

export function alertRoutes(port: AlertsPort | undefined, now: () => Date) {
  const app = new OpenAPIHono<ApiEnv>();
  const unavailable = jsonResponse(ProblemSchema, 'Alerts are not wired into this process');

  app.openapi(createRoute({
    method: 'get', path: '/api/alerts', tags: ['alerts'], summary: 'Alerts, filtered and paged', security: [{ bearer: [] }],
    request: { query: AlertListQuery },
    responses: { 200: jsonResponse(AlertListSchema, 'A page of alerts'), ...problemResponses, 503: unavailable },
  }), async (c) => {
    if (!port) return problem(c, 503, 'ALERTS_UNAVAILABLE', 'no alert repository is configured');
    const q = c.req.valid('query');
    const filter = alertFilterOf(q);
    const res = await port.listAlerts(filter, { limit: q.limit, offset: q.offset, sort: q.sort, order: q.order });
    return c.json({ items: res.items, total: res.total, countsByStatus: res.countsByStatus, limit: q.limit, offset: q.offset }, 200);
  });

  app.openapi(createRoute({
    method: 'get', path: '/api/alerts/{id}', tags: ['alerts'], summary: 'One alert with its evidence', security: [{ bearer: [] }],
    request: { params: IdParam },
    responses: { 200: jsonResponse(AlertDetailSchema, 'The alert'), ...problemResponses, 404: notFound, 503: unavailable },
  }), async (c) => {
    if (!port) return problem(c, 503, 'ALERTS_UNAVAILABLE', 'no alert repository is configured');
    const alert = await port.getAlert(c.req.valid('param').id);
    return alert ? c.json(alert, 200) : problem(c, 404, 'ALERT_NOT_FOUND', 'no alert with this id');
  });

  app.openapi(createRoute({
    method: 'post', path: '/api/alerts/{id}/actions', tags: ['alerts'], summary: 'Triage: ack, resolve, invalid, snooze, assign, comment, reopen',
    security: [{ bearer: [] }],
    request: { params: IdParam, body: { content: { 'application/json': { schema: ActionBody } }, required: true } },
    responses: {
      200: jsonResponse(AlertDetailSchema, 'The alert after the action'), ...problemResponses,
      403: jsonResponse(ProblemSchema, 'The read token cannot act'), 404: notFound,
      409: jsonResponse(ProblemSchema, 'The action is not allowed from the alert\'s status'), 503: unavailable,
    },
  }), async (c) => {
    if (!port) return problem(c, 503, 'ALERTS_UNAVAILABLE', 'no alert repository is configured');
    const body = c.req.valid('json');
    // AppError ALERT_NOT_FOUND / ALERT_BAD_TRANSITION become 404 / 409 in the server's error handler.
    const alert = await port.applyAction(c.req.valid('param').id, toAction(body), body.actor ?? c.get('actor'), now());
    return c.json(alert, 200);
  });
  return app;
}
