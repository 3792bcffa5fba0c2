import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Store } from '../../store/store.ts';
import { errorMessage } from '../../errors.ts';
import type { Registry } from 'prom-client';

/**
 * Readiness beyond the store, supplied by whoever hosts the API (`driftwatch run`): consumers
 * assigned, scheduler state. Each reason is a sentence an operator can act on; none = ready.
 */
export type ReadinessProbe = () => Promise<{ ready: boolean; reasons: string[] }> | { ready: boolean; reasons: string[] };

const ReadySchema = z.object({ ready: z.boolean(), reasons: z.array(z.string()) }).openapi('Readiness');

/** The open endpoints: liveness, readiness, Prometheus metrics. */
export function healthRoutes(store: Store, registry: Registry, readiness?: ReadinessProbe) {
  const app = new OpenAPIHono();
  app.openapi(createRoute({
    method: 'get', path: '/healthz', tags: ['operations'], summary: 'Liveness: the process answers',
    responses: { 200: { description: 'Alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
  }), (c) => c.json({ status: 'ok' as const }, 200));

  app.openapi(createRoute({
    method: 'get', path: '/readyz', tags: ['operations'], summary: 'Readiness: store reachable, consumers assigned, scheduler running',
    responses: {
      200: { description: 'Ready', content: { 'application/json': { schema: ReadySchema } } },
      503: { description: 'Not ready, with reasons', content: { 'application/json': { schema: ReadySchema } } },
    },
  }), async (c) => {
    const reasons: string[] = [];
    try {
      await store.client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json());
    } catch (err) {
      reasons.push(`store unreachable: ${errorMessage(err)}`);
    }
    if (readiness) {
      try {
        const r = await readiness();
        if (!r.ready) reasons.push(...(r.reasons.length ? r.reasons : ['not ready']));
      } catch (err) {
        reasons.push(`readiness probe failed: ${errorMessage(err)}`);
      }
    }
    return reasons.length === 0 ? c.json({ ready: true, reasons }, 200) : c.json({ ready: false, reasons }, 503);
  });

  app.openapi(createRoute({
    method: 'get', path: '/metrics', tags: ['operations'], summary: 'Prometheus metrics (text exposition format)',
    responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } } },
  }), async (c) => c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType }));
  return app;
}
