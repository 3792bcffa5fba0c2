import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { CONTROLS, FRAMEWORKS } from '../../detect/controls.ts';
import type { ApiEnv } from '../env.ts';
import { problemResponses } from '../problem.ts';

/** /api/controls: the framework control catalog (src/detect/controls.ts), so alert pages show names, not only ids. */

const ControlSchema = z.object({
  framework: z.enum(Object.keys(FRAMEWORKS) as [keyof typeof FRAMEWORKS, ...(keyof typeof FRAMEWORKS)[]]),
  frameworkName: z.string(), id: z.string(), name: z.string(), url: z.string().nullable(),
}).openapi('Control');

export function controlRoutes() {
  const app = new OpenAPIHono<ApiEnv>();
  const body = CONTROLS.map((c) => ({ ...c, frameworkName: FRAMEWORKS[c.framework] }));
  app.openapi(createRoute({
    method: 'get', path: '/api/controls', tags: ['detectors'], summary: 'Framework controls the detectors cite, with their names',
    security: [{ bearer: [] }],
    responses: { 200: { description: 'The catalog', content: { 'application/json': { schema: z.array(ControlSchema) } } }, ...problemResponses },
  }), (c) => c.json(body, 200));
  return app;
}
