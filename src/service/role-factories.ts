import type { AnyDetector } from '../detect/define-detector.ts';
import type { SourceKind } from '../decode/types.ts';
import { detectRole, logNewAlerts, policyTracker } from './detect-role.ts';
import { ingestRole } from './ingest-role.ts';
import { Lease } from './lease.ts';
import { LeasedRole } from './leased-role.ts';
import type { Role, RoleContext, RoleFactory, RoleName, RoleReadiness } from './role.ts';
import { createApiServer } from '../api/server.ts';
import { metricsRegistry } from '../telemetry/metrics.ts';
import { alertsPortFor } from '../alerts/port.ts';
import { enqueueDeliveries } from '../alerts/outbox.ts';
import { outboxRecovery } from '../alerts/outbox-recovery.ts';
import { dispatcherFromConfig, enqueueOptionsOf, routesOf } from '../alerts/setup.ts';
import { loadPolicyFile } from '../policy/load.ts';
import { loadDetectors } from '../detect/registry.ts';

/**
 * How `driftwatch run` builds each role: ingest (src/ingest), detect (src/detect, new alerts queued
 * in the outbox of src/alerts before the watermark moves on), deliver (the dispatcher of
 * src/alerts draining that outbox) and api (src/api, with the alert repository behind its port).
 *
 * A role whose factory is missing is refused when named with --role and skipped (with a warning)
 * when `run` starts every role by default.
 */

/** What the dispatcher offers the service: stop() returns once in-flight deliveries are drained. */
export interface Startable {
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/**
 * The dispatcher as a role: one active across replicas (lease `dispatcher`), rebuilt at every
 * tenure; `fence` throws LEASE_LOST once the tenure is over — check it before recording a delivery.
 */
export function dispatcherRole(make: (ctx: RoleContext, fence: () => Promise<void>) => Startable): RoleFactory {
  return (ctx) => new LeasedRole({
    name: 'deliver', log: ctx.log, lease: leaseFor(ctx, 'dispatcher'),
    build: (fence) => {
      const dispatcher = make(ctx, fence);
      let running = false;
      return {
        name: 'deliver',
        start: async () => {
          await dispatcher.start();
          running = true;
        },
        stop: async () => {
          running = false;
          await dispatcher.stop();
        },
        ready: () => ({ ok: true, detail: { dispatcher: running ? 'running' : 'stopped' } }),
      };
    },
  });
}

/**
 * `factory`'s role on a store session of its own (Store.fork), closed once the role has stopped. On
 * the embedded engine each session runs one statement at a time: the scheduler's and the
 * dispatcher's statements (lease renewals, watermarks, outbox polls and records) would otherwise
 * wait behind every ingest insert.
 */
export function onOwnSession(factory: RoleFactory): RoleFactory {
  return async (ctx) => {
    const store = await ctx.store.fork();
    let role: Role;
    try {
      role = await factory({ ...ctx, store });
    } catch (err) {
      await store.close();
      throw err;
    }
    return {
      name: role.name,
      start: () => role.start(),
      stop: async () => {
        try {
          await role.stop();
        } finally {
          await store.close();
        }
      },
      ready: () => role.ready(),
      ...(role.failed ? { failed: role.failed } : {}),
    };
  };
}

/** What createApiServer(deps) returns: listen(port) resolves to the bound port and a close(). */
export interface Listenable {
  listen(port: number): { port: number; close(): Promise<void> | void } | Promise<{ port: number; close(): Promise<void> | void }>;
}

/** The HTTP API as a role: listens on ctx.port at start, closes its listener at stop. */
export function apiRole(make: (ctx: RoleContext) => Listenable | Promise<Listenable>): RoleFactory {
  return async (ctx) => {
    const server = await make(ctx);
    let bound: { port: number; close(): Promise<void> | void } | undefined;
    return {
      name: 'api',
      start: async () => {
        bound = await server.listen(ctx.port);
        ctx.log.info({ port: bound.port }, 'API listening');
      },
      stop: async () => {
        const b = bound;
        bound = undefined;
        await b?.close();
      },
      ready: () => ({ ok: bound !== undefined, detail: { port: bound?.port ?? null } }),
    };
  };
}

/** The other roles' readiness as /readyz reasons (the api role answering is its own proof). */
function readinessOf(roles: Partial<Record<RoleName, RoleReadiness>>): { ready: boolean; reasons: string[] } {
  const reasons = Object.entries(roles)
    .filter(([name, r]) => name !== 'api' && r && !r.ok)
    .map(([name, r]) => `${name} not ready: ${JSON.stringify(r?.detail ?? {})}`);
  return { ready: reasons.length === 0, reasons };
}

export interface DetectionInputs {
  detectors: readonly AnyDetector[];
  policyFile: string;
  policyVersion: string;
  since?: Date;
}

export interface RunInputs {
  sources?: readonly SourceKind[];
  /** Set when the detect role runs: detectors validated and the policy synced. */
  detection?: DetectionInputs;
}

/** The lease named `name` for this process (holder id per process, TTL from the config). */
export function leaseFor(ctx: RoleContext, name: string): Lease {
  return new Lease({ store: ctx.store, name, ttlMs: ctx.config.service.leaseTtlMs });
}

export function roleFactories(inputs: RunInputs): Record<RoleName, RoleFactory | undefined> {
  return {
    ingest: (ctx) => ingestRole({ config: ctx.config, store: ctx.store, log: ctx.log, ...(inputs.sources ? { sources: inputs.sources } : {}) }),
    // Detection's own statements (lease, policy sync, readiness reads, watermarks, the outbox it fills) on a session of its
    // own, as the cycles' lanes are: none of them waits behind an ingest insert.
    detect: onOwnSession((ctx): Role => {
      const detection = inputs.detection;
      if (!detection) throw new Error('detect role built without detectors');
      // Exceptions come from the policy file: read at start, and again whenever the tracker syncs a
      // changed file (before the next cycle), so an approved exception needs no restart.
      let enqueueOptions = enqueueOptionsOf(ctx.config.alerts, loadPolicyFile(detection.policyFile).policy);
      const policyVersion = policyTracker(ctx.store, detection.policyFile, detection.policyVersion, ctx.log, (policy) => {
        enqueueOptions = enqueueOptionsOf(ctx.config.alerts, policy);
      });
      const routes = routesOf(ctx.config.alerts);
      const announce = logNewAlerts(ctx.log);
      const onNewAlerts = async (created: Parameters<typeof announce>[0]) => {
        announce(created);
        await enqueueDeliveries(ctx.store, created, routes, new Date(), enqueueOptions);
      };
      // One active scheduler across replicas: the `scheduler` lease, its epoch checked before every write.
      // Each tenure starts with the outbox recovery sweep: alerts a dead holder stored but never queued.
      return new LeasedRole({
        name: 'detect', log: ctx.log, lease: leaseFor(ctx, 'scheduler'),
        build: (fence) => detectRole({
          store: ctx.store, log: ctx.log, detectors: detection.detectors, policyVersion, fence,
          onNewAlerts, ...(detection.since ? { since: detection.since } : {}), pollSeconds: ctx.config.service.detectPollSeconds,
          lanes: ctx.config.service.detectLanes,
          sweep: outboxRecovery({ store: ctx.store, routes, enqueueOptions: () => enqueueOptions, log: ctx.log, fence }),
        }),
      });
    }),
    deliver: onOwnSession(dispatcherRole((ctx, fence) => dispatcherFromConfig(ctx.store, ctx.config.alerts, { log: ctx.log, fence }))),
    // An api-only process (`run --role api`) loads the detector registry itself: /api/detectors and the alert
    // pages need the corpus's metadata whether or not this process schedules detectors.
    // The console's reads run on a session of their own (Store.fork): on the embedded engine they would otherwise queue
    // behind ingest's inserts, and ingest behind them. Closing the listener closes the session.
    api: apiRole(async (ctx) => {
      const detectors = inputs.detection?.detectors ?? await loadDetectors();
      const store = await ctx.store.fork();
      const server = createApiServer({
        store, log: ctx.log, detectors, metrics: metricsRegistry,
        tokens: { read: ctx.config.api.readToken, write: ctx.config.api.writeToken }, alerts: alertsPortFor(store, routesOf(ctx.config.alerts)),
        secureCookies: ctx.config.service.secureCookies,
        readiness: () => readinessOf(ctx.readiness()),
      });
      return {
        listen: async (port: number) => {
          const bound = await server.listen(port);
          return { port: bound.port, close: async () => { await bound.close(); await store.close(); } };
        },
      };
    }),
  };
}
