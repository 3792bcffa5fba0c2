import { errorMessage } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Role, RoleName, RoleReadiness } from './role.ts';

/**
 * The roles of one `driftwatch run` process on one store connection.
 *
 * Stop order is what makes SIGTERM lose nothing: stop fetching, flush and commit (ingest) →
 * finish the running detector cycle (detect) → drain deliveries (deliver; alerts the last cycle
 * stored are in the outbox either way) → close the API (it answers health checks until the end) →
 * close the store. Start order is the reverse, so the API is up first and reports the others as
 * they come.
 */
export const STOP_ORDER: readonly RoleName[] = ['ingest', 'detect', 'deliver', 'api'];

export class Service {
  private readonly started: Role[] = [];
  private stopping: Promise<void> | undefined;
  /** Settles with the first role failure. */
  readonly failed: Promise<Error>;

  constructor(
    private readonly roles: readonly Role[],
    private readonly store: Store,
    private readonly log: Logger,
  ) {
    const failures: Promise<Error>[] = roles.flatMap((r) => (r.failed ? [r.failed.then((err) => Object.assign(err, { role: r.name }))] : []));
    // Never settles when no role can fail.
    this.failed = Promise.race([...failures, new Promise<Error>(() => {})]);
  }

  private ordered(order: 'start' | 'stop'): Role[] {
    const rank = (r: Role) => STOP_ORDER.indexOf(r.name);
    const sorted = [...this.roles].sort((a, b) => rank(a) - rank(b));
    return order === 'stop' ? sorted : sorted.reverse();
  }

  async start(): Promise<void> {
    for (const role of this.ordered('start')) {
      try {
        await role.start();
      } catch (err) {
        this.log.error({ role: role.name, err: errorMessage(err) }, 'Role failed to start; stopping the others');
        await this.stop();
        throw err;
      }
      this.started.push(role);
      this.log.info({ role: role.name }, 'Role started');
    }
  }

  ready(): Partial<Record<RoleName, RoleReadiness>> {
    return Object.fromEntries(this.roles.map((r) => [r.name, r.ready()]));
  }

  /** Idempotent: a second signal waits for the first shutdown. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const role of this.ordered('stop')) {
        if (!this.started.includes(role)) continue;
        try {
          await role.stop();
          this.log.info({ role: role.name }, 'Role stopped');
        } catch (err) {
          this.log.error({ role: role.name, err: errorMessage(err) }, 'Role did not stop cleanly');
        }
      }
      await this.store.close();
    })();
    return this.stopping;
  }
}
