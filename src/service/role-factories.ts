import type { AnyDetector } from '../detect/define-detector.ts';
import type { SourceKind } from '../decode/types.ts';
import { detectRole, logNewAlerts, policyTracker } from './detect-role.ts';
import { ingestRole } from './ingest-role.ts';
import { Lease } from './lease.ts';
import { LeasedRole } from './leased-role.ts';
import type { Role, RoleContext, RoleFactory, RoleName } from './role.ts';

/**
 * How `driftwatch run` builds each role. ingest and detect are built here; deliver and api are
 * the registration point for the alert dispatcher (src/alerts/dispatcher.ts) and the HTTP API
 * (src/api/server.ts), wired when they land:
 *
 *   deliver: (ctx) => new LeasedRole({ name: 'deliver', log: ctx.log, lease: lease(ctx, 'dispatcher'),
 *              build: (fence) => dispatcherRole(new AlertDispatcher({ ...ctx, fence })) }),
 *   api:     (ctx) => apiRole(createApiServer({ ...ctx, ready: ctx.readiness }), ctx.port),
 *
 * where the dispatcher stops with its deliveries drained and the API closes its listener. A role
 * whose factory is missing is refused when named with --role and skipped (with a warning) when
 * `run` starts every role by default.
 */

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
    detect: (ctx): Role => {
      const detection = inputs.detection;
      if (!detection) throw new Error('detect role built without detectors');
      const policyVersion = policyTracker(ctx.store, detection.policyFile, detection.policyVersion, ctx.log);
      // One active scheduler across replicas: the `scheduler` lease, its epoch checked before every write.
      return new LeasedRole({
        name: 'detect', log: ctx.log, lease: leaseFor(ctx, 'scheduler'),
        build: (fence) => detectRole({
          store: ctx.store, log: ctx.log, detectors: detection.detectors, policyVersion, fence,
          onNewAlerts: logNewAlerts(ctx.log), ...(detection.since ? { since: detection.since } : {}),
        }),
      });
    },
    // REGISTRATION POINT (merge): the alert dispatcher, as a LeasedRole on the `dispatcher` lease.
    deliver: undefined,
    // REGISTRATION POINT (merge): the HTTP API, createApiServer(deps).listen(ctx.port).
    api: undefined,
  };
}
