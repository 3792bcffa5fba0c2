import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { clickHouseTime, fromClickHouseTime } from '../detect/windows.ts';
import { AppError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { selectRows } from '../store/select-rows.ts';

/**
 * A named lease with a fencing token (its epoch), kept in ClickHouse (0015_leases.sql says why it
 * is built from inserts: ClickHouse has no compare-and-set).
 *
 * - tryAcquire(): renews the lease if this holder has it, claims epoch + 1 if it is free or
 *   expired, and reports whether this holder now has it.
 * - fence(epoch): throws LEASE_LOST unless the store still names this holder at `epoch`,
 *   unexpired. Call it right before a write that only the holder may make.
 *
 * Time comes from an injected clock (tests) or this machine's clock: replicas' clocks must agree to
 * well within the TTL (NTP does), since expiry is compared against the reader's clock.
 */

export interface LeaseOptions {
  store: Store;
  name: string;
  /** Unique per process; default host, pid and a random suffix. */
  holder?: string;
  ttlMs: number;
  clock?: () => number;
  /**
   * No other process can reach this store while this one lives (the embedded engine opens a data
   * directory in one process only). Then the holder's own expiry is not enforced: the engine runs
   * one query at a time, so a renewal can wait behind a long detector query or insert past the
   * TTL, and nobody could have taken over meanwhile. Expiry still lets a successor in after this
   * process dies. Default: true for the embedded store.
   */
  exclusive?: boolean;
}

export interface LeaseState {
  epoch: number;
  holder: string;
  expiresAt: number;
}

export function defaultHolder(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

export class Lease {
  readonly name: string;
  readonly holder: string;
  readonly ttlMs: number;
  private readonly store: Store;
  private readonly clock: () => number;
  private readonly exclusive: boolean;
  /** What this holder last confirmed in the store. */
  private held: { epoch: number; expiresAt: number } | undefined;

  constructor(options: LeaseOptions) {
    this.store = options.store;
    this.name = options.name;
    this.holder = options.holder ?? defaultHolder();
    this.ttlMs = options.ttlMs;
    this.clock = options.clock ?? Date.now;
    this.exclusive = options.exclusive ?? options.store.kind === 'embedded';
  }

  /** The epoch this holder holds, as far as it last confirmed; undefined when not held. */
  get epoch(): number | undefined {
    return this.held && (this.exclusive || this.held.expiresAt > this.clock()) ? this.held.epoch : undefined;
  }

  /**
   * The lease as every reader sees it: the highest epoch, and within it the smallest holder. The
   * claim token makes a second row at one epoch all but impossible; the tie-break makes even that
   * case agree across readers. argMax by renewed_at: the newest renewal or release, without FINAL.
   */
  async read(): Promise<LeaseState | null> {
    const [row] = await selectRows<{ epoch: number | string; holder: string; expires_at: string }>(
      this.store,
      `SELECT epoch, holder, argMax(expires_at, renewed_at) AS expires_at
        FROM leases WHERE name = {name:String}
        GROUP BY epoch, holder ORDER BY epoch DESC, holder ASC LIMIT 1`,
      { name: this.name },
    );
    return row ? { epoch: Number(row.epoch), holder: row.holder, expiresAt: fromClickHouseTime(row.expires_at).getTime() } : null;
  }

  private lastWrite = 0;

  private async write(epoch: number, expiresAt: number, token: string): Promise<void> {
    // Strictly increasing per holder: a release in the same millisecond as a renewal must win argMax.
    const now = Math.max(this.clock(), this.lastWrite + 1);
    this.lastWrite = now;
    await this.store.client.insert({
      table: 'leases',
      values: [{ name: this.name, epoch, holder: this.holder, expires_at: clickHouseTime(expiresAt), renewed_at: clickHouseTime(now) }],
      format: 'JSONEachRow',
      // Explicit on every insert: chdb keeps the previous insert's token on its session (store.ts).
      clickhouse_settings: { insert_deduplication_token: token, insert_deduplicate: 1 },
    });
  }

  async tryAcquire(): Promise<boolean> {
    const now = this.clock();
    const current = await this.read();
    const mine = current !== null && current.holder === this.holder && current.epoch === this.held?.epoch;
    if (current && (current.expiresAt > now || (mine && this.exclusive))) {
      if (mine) {
        const expiresAt = now + this.ttlMs;
        await this.write(current.epoch, expiresAt, `lease:${this.name}:${current.epoch}:renew:${this.holder}:${now}`);
        this.held = { epoch: current.epoch, expiresAt };
        return true;
      }
      this.held = undefined;
      return false;
    }
    return this.claim((current?.epoch ?? 0) + 1);
  }

  /**
   * Claims `epoch` (the one after the expired or absent current one). Every claimer of an epoch
   * sends the same token, so the store keeps exactly one claim; the settle read tells each claimer
   * whether it was theirs. Public so a test can make two holders race for one epoch.
   */
  async claim(epoch: number): Promise<boolean> {
    const expiresAt = this.clock() + this.ttlMs;
    await this.write(epoch, expiresAt, `lease:${this.name}:${epoch}`);
    const settled = await this.read();
    if (settled?.epoch === epoch && settled.holder === this.holder) {
      this.held = { epoch, expiresAt };
      return true;
    }
    this.held = undefined;
    return false;
  }

  /**
   * Throws LEASE_LOST unless this holder still holds the lease at `epoch` (local state first, then
   * the store). A third of the TTL must remain: the write that follows the check must land before
   * anyone else may claim, and a heartbeat renews every third of the TTL, so a healthy holder
   * always has more.
   */
  async fence(epoch: number): Promise<void> {
    const deadline = this.clock() + Math.floor(this.ttlMs / 3);
    const lost = (why: string) =>
      new AppError('LEASE_LOST', `lease ${this.name} epoch ${epoch} is no longer held: ${why}`, { lease: this.name, epoch, holder: this.holder });
    if (!this.held || this.held.epoch !== epoch) throw lost('a newer epoch or no claim');
    if (!this.exclusive && this.held.expiresAt <= deadline) throw lost('expires before a write could land (renewal overdue)');
    const current = await this.read();
    if (!current || current.epoch !== epoch || current.holder !== this.holder) throw lost(`the store names ${current?.holder ?? 'nobody'} at epoch ${current?.epoch ?? 0}`);
    if (!this.exclusive && current.expiresAt <= deadline) throw lost('expires in the store before a write could land');
  }

  /** Gives the lease up at once (expires now), so another replica need not wait out the TTL. */
  async release(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    const current = await this.read();
    if (current?.epoch !== held.epoch || current.holder !== this.holder) return;
    const now = this.clock();
    await this.write(held.epoch, now, `lease:${this.name}:${held.epoch}:release:${this.holder}:${now}`);
  }
}
