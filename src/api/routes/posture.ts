import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Store } from '../../store/store.ts';
import { postureReport } from '../../views/posture.ts';
import { DayRangeTeamQuery } from '../day-range.ts';
import type { ApiEnv } from '../env.ts';
import { problemResponses } from '../problem.ts';

/** /api/posture: the governance posture per team (definitions in src/views/posture-figures.ts, kept per day by posture-days.ts). */

export const PostureQuery = DayRangeTeamQuery;

const ratio = z.number().nullable().openapi({ description: 'part / whole, null when the whole is 0' });
const TeamPosture = z.object({
  team: z.string(),
  gatewayShare: z.object({ sessions: z.number(), viaApprovedGateway: z.number(), share: ratio }),
  promptLogShare: z.object({ requests: z.number(), logged: z.number(), share: ratio }),
  ownerShare: z.object({ events: z.number(), named: z.number(), share: ratio }),
  models: z.array(z.object({ taskClass: z.string(), model: z.string(), approved: z.boolean(), requests: z.number() })),
  tools: z.array(z.object({ kind: z.enum(['tool', 'mcp_server']), name: z.string(), approved: z.boolean(), uses: z.number() })),
  unheldCredentials: z.array(z.object({
    credential: z.string().openapi({ description: 'provider key id, principal or account: ids and fingerprints only' }),
    source: z.string(), events: z.number(), costUsd: z.number(),
  })),
  trend: z.array(z.object({ day: z.string(), gatewayShare: ratio, promptLogShare: ratio, ownerShare: ratio })),
  alerts: z.object({ open: z.number(), byDetector: z.array(z.object({ detector: z.string(), open: z.number() })) }),
}).openapi('TeamPosture');
export const PostureResponse = z.object({ from: z.string(), to: z.string(), teams: z.array(TeamPosture) }).openapi('Posture');

export function postureRoutes(store: Store) {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(createRoute({
    method: 'get', path: '/api/posture', tags: ['governance'], summary: 'Governance posture per team: gateway, prompt-log and owner shares, models, tools, unheld credentials',
    security: [{ bearer: [] }], request: { query: PostureQuery },
    responses: { 200: { description: 'Posture per team', content: { 'application/json': { schema: PostureResponse } } }, ...problemResponses },
  }), async (c) => c.json(await postureReport(store, c.req.valid('query')), 200));
  return app;
}
