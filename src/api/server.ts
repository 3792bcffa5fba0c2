import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import { routePath } from 'hono/route';
import type { Registry } from 'prom-client';
import type { AnyDetector } from '../detect/define-detector.ts';
import { AppError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { httpRequestDuration } from '../telemetry/metrics.ts';
import type { AlertsPort } from './alerts-port.ts';
import type { ApiTokens } from './auth.ts';
import { analystConsole, type SecureCookies } from './console/index.ts';
import type { ApiEnv } from './env.ts';
import { problem } from './problem.ts';
import { alertQueueRoutes } from './routes/alert-queue.ts';
import { alertSignalRoutes } from './routes/alert-signal.ts';
import { alertRoutes } from './routes/alerts.ts';
import { controlRoutes } from './routes/controls.ts';
import { detectorHistoryRoutes } from './routes/detector-history.ts';
import { detectorRoutes } from './routes/detectors.ts';
import { healthRoutes, type ReadinessProbe } from './routes/health.ts';
import { postureRoutes } from './routes/posture.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { sourceRoutes } from './routes/sources.ts';
import { spendSeriesRoutes } from './routes/spend-series.ts';
import { spendRoutes } from './routes/spend.ts';

/**
 * The HTTP API (Hono + @hono/zod-openapi): every request and response has a zod schema, and the
 * OpenAPI document at /openapi.json is generated from them, so the document cannot drift from
 * what the routes validate. /healthz, /readyz, /metrics and /openapi.json are open; /api/* needs a
 * bearer token (auth.ts) or the analyst console's session cookie (console/), which serves the
 * console's built files at `/`.
 */

export const DEFAULT_API_PORT = 7070;

export interface ApiDeps {
  store: Store;
  log: Logger;
  detectors: readonly AnyDetector[];
  metrics: Registry;
  /** `driftwatch run` supplies it: consumers assigned, scheduler state. */
  readiness?: ReadinessProbe;
  tokens: ApiTokens;
  /** The alert repository bound to the store; without it /api/alerts answers 503. */
  alerts?: AlertsPort;
  /** The console's session cookie: Secure always, never, or when the request came over TLS (default). */
  secureCookies?: SecureCookies;
  /** Injected so tests pin "now" (ingest lag, detector next run, triage timestamps). */
  clock?: () => Date;
}

export interface RunningApi {
  port: number;
  close(): Promise<void>;
}

const STATUS_OF: Partial<Record<string, 400 | 404 | 409 | 503>> = {
  ALERT_NOT_FOUND: 404, SESSION_NOT_FOUND: 404, DETECTOR_NOT_FOUND: 404, ALERT_BAD_TRANSITION: 409, CH_UNAVAILABLE: 503,
};

export function createApiServer(deps: ApiDeps) {
  const now = deps.clock ?? (() => new Date());
  const app = new OpenAPIHono<ApiEnv>({
    // A request that fails its zod schema: 400 with every issue, in the API's error shape.
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
        return problem(c, 400, 'INVALID_REQUEST', 'the request does not match its schema', issues);
      }
      return undefined;
    },
  });

  app.use('*', async (c, next) => {
    const stop = httpRequestDuration.startTimer();
    await next();
    stop({ route: routePath(c), method: c.req.method, status: String(c.res.status) });
  });
  // /api/* takes the bearer token or the console's session cookie (+ CSRF token on writes).
  const analyst = analystConsole(deps.tokens, now, deps.secureCookies);
  app.use('/api/*', analyst.apiAuth);
  app.route('/', analyst.routes);
  app.route('/', analyst.assets);

  app.route('/', healthRoutes(deps.store, deps.metrics, deps.readiness));
  // Before alertRoutes: /api/alerts/counts would otherwise be read as the alert with id "counts".
  app.route('/', alertQueueRoutes(deps.alerts, now));
  app.route('/', alertRoutes(deps.alerts, now));
  app.route('/', alertSignalRoutes(deps.store, deps.detectors));
  app.route('/', spendRoutes(deps.store));
  app.route('/', spendSeriesRoutes(deps.store));
  app.route('/', postureRoutes(deps.store));
  app.route('/', controlRoutes());
  app.route('/', sourceRoutes(deps.store, now));
  app.route('/', detectorRoutes(deps.store, deps.detectors, now));
  app.route('/', detectorHistoryRoutes(deps.store, deps.detectors, now));
  app.route('/', sessionRoutes(deps.store));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http', scheme: 'bearer', description: 'DRIFTWATCH_READ_TOKEN (GET) or DRIFTWATCH_WRITE_TOKEN (everything)',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'driftwatch API', version: '1', description: 'Alerts and triage, spend, governance posture, source health, detectors and session trails.' },
  });

  app.notFound((c) => problem(c, 404, 'NOT_FOUND', 'no such route'));
  app.onError((err, c) => {
    if (err instanceof AppError) {
      const status = STATUS_OF[err.code];
      if (status !== undefined) return problem(c, status, err.code, err.message);
    }
    deps.log.error({ err, path: c.req.path, method: c.req.method }, 'API request failed');
    return problem(c, 500, 'INTERNAL', 'internal error; see the service log');
  });

  return {
    app,
    /** Listens on host (default all interfaces); port 0 picks a free one. */
    listen(port: number = DEFAULT_API_PORT, host?: string): Promise<RunningApi> {
      return new Promise((resolve, reject) => {
        let server: ServerType;
        const onError = (err: Error) => reject(err);
        server = serve({ fetch: app.fetch, port, ...(host !== undefined && { hostname: host }) }, (info: AddressInfo) => {
          server.off('error', onError);
          deps.log.info({ port: info.port, host: info.address }, 'API listening');
          resolve({
            port: info.port,
            close: () => new Promise<void>((done, fail) => {
              server.close((err) => (err ? fail(err) : done()));
              // Keep-alive sockets would hold close() open until they time out.
              if ('closeAllConnections' in server) server.closeAllConnections();
            }),
          });
        });
        server.once('error', onError);
      });
    },
  };
}
