import { fromRow as alertFromRow, type Alert } from '../detect/alerts.ts';
import { AppError, errorMessage } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { enqueueDeliveries, type EnqueueOptions } from './outbox.ts';
import type { Route } from './routing.ts';
import { selectRows } from '../store/select-rows.ts';

/**
 * Repairs the one gap between detection and delivery. Detect stores an alert, then queues it
 * (enqueueDeliveries); a process killed in between leaves an alert that the next run sees as
 * already known, so it would never be queued. enqueueDeliveries writes an alert's triage row last,
 * so "stored, no triage row" means exactly "never finished queueing": those are queued here, with
 * the same routes and noise control as at detection. enqueueDeliveries skips deliveries a half-done
 * run already wrote, and the outbox keeps one row per (fingerprint, destination, kind), so running
 * this twice queues nothing twice.
 *
 * Only alerts stored within `horizonMs` are picked up: alerts that `driftwatch detect` or
 * `schedule` stored outside the service (they do not queue) are delivered if recent, but pointing a
 * new deployment at a store with old history must not page anyone for last year's incidents.
 */

export const RECOVERY_HORIZON_MS = 24 * 3600_000;

/** Alerts stored within the horizon (the store's clock, which stamps recorded_at) with no triage row. */
export async function unqueuedAlerts(store: Store, horizonMs = RECOVERY_HORIZON_MS, limit = 1_000): Promise<Alert[]> {
  const rows = await selectRows<Parameters<typeof alertFromRow>[0]>(
    store,
    `SELECT * FROM alerts FINAL
            WHERE recorded_at >= now() - toIntervalSecond({horizon:UInt32})
              AND id NOT IN (SELECT alert_id FROM alert_triage)
            ORDER BY first_seen, fingerprint
            LIMIT {limit:UInt32}`,
    { horizon: Math.ceil(horizonMs / 1000), limit },
  );
  return rows.map(alertFromRow);
}

export interface OutboxRecoveryOptions {
  store: Store;
  routes: readonly Route[];
  /** The noise control in force (exceptions change when the policy file does). */
  enqueueOptions: () => EnqueueOptions;
  log: Logger;
  /** The scheduler lease's fence: a deposed scheduler queues nothing. */
  fence?: () => Promise<void>;
  /** Least time between two sweeps after the first (default 60 s). */
  everyMs?: number;
  clock?: () => Date;
}

/** The sweep and when it is next due; the scheduler runs it with no cycle running (SchedulerOptions.sweep). */
export interface RecoverySweep {
  due(): boolean;
  run(): Promise<void>;
}

/**
 * The sweep as the detect role runs it: before a scheduler cycle, the first time at once (a
 * restart, or a new lease holder after a replica died), then at most every `everyMs`. The
 * scheduler runs it alone, with no cycle running, so it never races a cycle's own queueing. A
 * failure is logged and the cycles go on; the next sweep tries again. Losing the lease is passed on.
 */
export function outboxRecovery(o: OutboxRecoveryOptions): RecoverySweep {
  const clock = o.clock ?? (() => new Date());
  let last: number | undefined;
  const dueAt = (now: Date) => last === undefined || now.getTime() - last >= (o.everyMs ?? 60_000);
  return {
    due: () => dueAt(clock()),
    run: async () => {
      const now = clock();
      if (!dueAt(now)) return;
      last = now.getTime();
      try {
        const pending = await unqueuedAlerts(o.store);
        if (pending.length === 0) return;
        await o.fence?.();
        const result = await enqueueDeliveries(o.store, pending, o.routes, now, o.enqueueOptions());
        o.log.warn(
          { alerts: pending.map((a) => a.id), queued: result.queued, suppressed: result.suppressed.length, grouped: result.grouped.length },
          'Queued alerts that were stored but never queued for delivery (a run stopped between the two)',
        );
      } catch (err) {
        if (err instanceof AppError && err.code === 'LEASE_LOST') throw err;
        o.log.error({ err: errorMessage(err) }, 'Outbox recovery sweep failed; retrying before a later cycle');
        last = undefined;
      }
    },
  };
}
