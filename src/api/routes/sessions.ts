import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { sessionTrail } from '../../sessions/trail.ts';
import type { Store } from '../../store/store.ts';
import type { ApiEnv } from '../env.ts';
import { ProblemSchema, problem, problemResponses } from '../problem.ts';

/** /api/sessions/{id}: one agent session across every source (src/sessions/trail.ts says how). */

const entry = z.object({ kind: z.string(), value: z.string(), source: z.string() });
const TrailSchema = z.object({
  sessionId: z.string(), firstSeen: z.string(), lastSeen: z.string(),
  owner: z.object({ email: z.string(), resolvedBy: z.string(), candidates: z.array(z.object({ email: z.string(), via: z.string() })) }),
  teams: z.array(z.string()), identities: z.array(entry), credentials: z.array(entry),
  models: z.array(z.string()), tools: z.array(z.string()), mcpServers: z.array(z.string()),
  cost: z.object({ loggedUsd: z.number(), billedUsd: z.number(), telemetryUsd: z.number(), gatewayRequests: z.number(), billedRecords: z.number() }),
  idpContext: z.array(z.object({ at: z.string(), idp: z.string(), eventType: z.string(), actor: z.string(), app: z.string(), outcome: z.string(), clientIp: z.string() })),
  alerts: z.array(z.object({ id: z.string(), detector: z.string(), severity: z.string(), status: z.string(), title: z.string(), windowStart: z.string() })),
  timeline: z.array(z.object({ at: z.string(), source: z.string(), kind: z.string(), identity: z.string(), detail: z.string(), costUsd: z.number() })),
  timelineTruncated: z.boolean(),
}).openapi('SessionTrail');

export function sessionRoutes(store: Store) {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(createRoute({
    method: 'get', path: '/api/sessions/{id}', tags: ['incident response'], summary: 'One agent session reconstructed across every source',
    security: [{ bearer: [] }],
    request: { params: z.object({ id: z.string().min(1).max(200).openapi({ param: { name: 'id', in: 'path' } }) }) },
    responses: {
      200: { description: 'The trail', content: { 'application/json': { schema: TrailSchema } } }, ...problemResponses,
      404: { description: 'No source has seen this session', content: { 'application/json': { schema: ProblemSchema } } },
    },
  }), async (c) => {
    const trail = await sessionTrail(store, c.req.valid('param').id);
    return trail ? c.json(trail, 200) : problem(c, 404, 'SESSION_NOT_FOUND', 'no source has seen this session');
  });
  return app;
}
