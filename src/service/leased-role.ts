import { errorMessage } from '../errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Lease } from './lease.ts';
import type { Role, RoleName, RoleReadiness } from './role.ts';

/**
 * A role that must run in exactly one process at a time (the scheduler, the dispatcher): every
 * replica runs this wrapper, and only the lease holder runs the inner role. A heartbeat every third
 * of the TTL renews the lease or tries to take it over; the moment a holder cannot confirm it still
 * holds its epoch (lost to another replica, or expired while the store was unreachable) it stops the
 * inner role before it does more work. The inner role also gets `fence`, which it calls before each
 * write (the scheduler: before alerts and watermarks), so work already running when the lease was
 * lost is dropped instead of written.
 *
 * A role that lost its lease is built again (not restarted) when the lease comes back: a fresh
 * inner role re-reads its state (watermarks, outbox) from the store.
 */

export interface LeasedRoleOptions {
  name: RoleName;
  lease: Lease;
  log: Logger;
  /** Builds the inner role for one tenure; `fence` throws LEASE_LOST once the tenure is over. */
  build: (fence: () => Promise<void>, epoch: number) => Role | Promise<Role>;
  heartbeatMs?: number;
}

export class LeasedRole implements Role {
  readonly name: RoleName;
  private inner: Role | undefined;
  private innerEpoch: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  private stopping = false;
  private tenures = 0;

  constructor(private readonly options: LeasedRoleOptions) {
    this.name = options.name;
  }

  private async beat(): Promise<void> {
    const { lease, log } = this.options;
    let held: boolean;
    try {
      held = await lease.tryAcquire();
    } catch (err) {
      // Store unreachable: keep going only while the last confirmed tenure has not expired.
      held = lease.epoch !== undefined;
      log.warn({ lease: lease.name, err: errorMessage(err), stillHeld: held }, 'Could not renew lease');
    }
    if (this.inner && (!held || lease.epoch !== this.innerEpoch)) {
      log.warn({ lease: lease.name, role: this.name, epoch: this.innerEpoch }, 'Lease lost; stopping the role before it does more work');
      const inner = this.inner;
      this.inner = undefined;
      this.innerEpoch = undefined;
      await inner.stop();
    }
    const epoch = lease.epoch;
    if (held && !this.inner && !this.stopping && epoch !== undefined) {
      this.innerEpoch = epoch;
      const inner = await this.options.build(() => lease.fence(epoch), epoch);
      log.info({ lease: lease.name, role: this.name, epoch, holder: lease.holder }, 'Lease acquired; role active');
      try {
        await inner.start();
      } catch (err) {
        // Give the lease back so another replica (or this one, next beat) can try.
        this.innerEpoch = undefined;
        await lease.release().catch(() => undefined);
        throw err;
      }
      this.inner = inner;
      this.tenures += 1;
    }
  }

  private schedule(): void {
    if (this.stopping) return;
    const every = this.options.heartbeatMs ?? Math.max(200, Math.floor(this.options.lease.ttlMs / 3));
    this.timer = setTimeout(() => {
      this.beating = this.beat()
        .catch((err: unknown) => this.options.log.error({ role: this.name, err: errorMessage(err) }, 'Leased role heartbeat failed'))
        .finally(() => this.schedule());
    }, every);
  }

  async start(): Promise<void> {
    this.beating = this.beat();
    await this.beating;
    if (!this.inner) this.options.log.info({ lease: this.options.lease.name, role: this.name, holder: (await this.options.lease.read())?.holder }, 'Standing by: another replica holds the lease');
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.beating;
    const inner = this.inner;
    this.inner = undefined;
    await inner?.stop();
    // Released only after the inner role stopped: the next holder never overlaps this one's writes.
    await this.options.lease.release().catch((err: unknown) => this.options.log.warn({ err: errorMessage(err) }, 'Could not release lease; it expires on its own'));
  }

  /** Whether this replica is the active one right now. */
  get active(): boolean {
    return this.inner !== undefined;
  }

  ready(): RoleReadiness {
    const inner = this.inner?.ready();
    return {
      ok: inner?.ok ?? true,
      detail: { lease: this.options.lease.name, active: this.active, epoch: this.innerEpoch ?? null, holder: this.options.lease.holder, tenures: this.tenures, ...(inner ? { role: inner.detail } : {}) },
    };
  }
}
