import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { SIGNALS, type AnyDetector } from '../../detect/define-detector.ts';
import type { Store } from '../../store/store.ts';
import { alertSignal } from '../../views/alert-signal.ts';
import type { ApiEnv } from '../env.ts';
import { ProblemSchema, problemResponses } from '../problem.ts';

/** /api/alerts/{id}/signal: the signal around an alert's incident window (src/views/alert-signal.ts). */

const IdParam = z.object({ id: z.string().min(1).max(128).openapi({ param: { name: 'id', in: 'path' } }) });
export const SignalResponse = z.object({
  kind: z.enum(SIGNALS), unit: z.enum(['usd', 'share', 'count']), title: z.string(), from: z.string(), to: z.string(),
  points: z.array(z.object({ t: z.string(), value: z.number(), baseline: z.number().nullable(), budget: z.number().nullable() })),
  marks: z.array(z.object({ t: z.string(), label: z.string() })),
}).openapi('AlertSignal');

export function alertSignalRoutes(store: Store, detectors: readonly AnyDetector[]) {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(createRoute({
    method: 'get', path: '/api/alerts/{id}/signal', tags: ['alerts'], summary: 'The signal around the alert\'s incident window, for its chart',
    security: [{ bearer: [] }], request: { params: IdParam },
    responses: {
      200: { description: 'The signal', content: { 'application/json': { schema: SignalResponse } } }, ...problemResponses,
      404: { description: 'No alert with this id', content: { 'application/json': { schema: ProblemSchema } } },
    },
  }), async (c) => c.json(await alertSignal(store, detectors, c.req.valid('param').id), 200));
  return app;
}
