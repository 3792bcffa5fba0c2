import { storedAlerts, type Alert } from '../detect/alerts.ts';
import { errorMessage } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { isSnoozed } from './lifecycle.ts';
import { deliveryKey, dueDeliveries, pendingByDestination, writeAttempts, writeDeliveries, type Attempt, type Delivery } from './outbox-table.ts';
import { deliveries as deliveryOutcomes, outboxDepth, outboxOldestPendingAge } from '../telemetry/metrics.ts';
import { readTriage } from './triage-table.ts';
import type { Destination, Notification } from './destinations/types.ts';

/**
 * Sends what the outbox (alert_deliveries) holds, at least once. Every poll reads the due
 * deliveries and hands each destination its own worker; a destination still busy with an earlier
 * batch (slow, or timing out) is skipped for this poll, so it never holds up the others. Every
 * attempt is recorded, and the delivery's state (delivered / pending with the next attempt after
 * exponential backoff / failed after maxAttempts) is written back before the worker ends, so a
 * new dispatcher after a restart continues exactly where this one stopped.
 */

export interface DispatcherOptions {
  destinations: readonly Destination[];
  consoleBaseUrl: string;
  pollMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  /** Per-destination timeout overrides, by name. */
  timeoutsMs?: Readonly<Record<string, number>>;
  batchSize?: number;
  /** Sends at once per destination. */
  concurrency?: number;
  clock?: () => Date;
  log?: Logger;
  /** The detector's runbook for a notification. */
  runbookOf?: (detector: string) => string | undefined;
  /**
   * Throws (LEASE_LOST) once this process no longer holds the dispatcher lease (src/service): checked
   * before outcomes are recorded, so a deposed dispatcher never overwrites its successor's state.
   * What it sent meanwhile is sent again by the successor: at least once, deduped by fingerprint.
   */
  fence?: () => Promise<void>;
  /** Least time between two reads of the outbox depth for the metrics (default 5 s; runOnce always reads it). */
  depthEveryMs?: number;
}

/** Wait before retry n (n ≥ 1): base · 2^(n−1), capped. */
export function backoffMs(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/** How long a recorded outcome guards against a poll's older read (far longer than one poll takes). */
const RECORDED_MEMORY_MS = 10 * 60_000;

export class Dispatcher {
  private readonly byName: Map<string, Destination>;
  private readonly busy = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<string>();
  /**
   * The revision this process last recorded per delivery, and when. A poll whose read began before a
   * worker recorded its outcome can return the older row after that worker has finished and left
   * `inFlight`; without this, that delivery would be sent again. Kept for RECORDED_MEMORY_MS.
   */
  private readonly recorded = new Map<string, { rev: number; at: number }>();
  private readonly o: Required<Omit<DispatcherOptions, 'log' | 'runbookOf' | 'timeoutsMs' | 'fence'>> & Pick<DispatcherOptions, 'log' | 'runbookOf' | 'timeoutsMs' | 'fence'>;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private depthReadAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly store: Store, options: DispatcherOptions) {
    this.o = {
      pollMs: 1_000, maxAttempts: 12, baseDelayMs: 5_000, maxDelayMs: 3_600_000, timeoutMs: 10_000, batchSize: 500, concurrency: 16, depthEveryMs: 5_000,
      clock: () => new Date(), ...options,
    };
    this.byName = new Map(options.destinations.map((d) => [d.name, d]));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.poll();
          if (this.o.clock().getTime() - this.depthReadAt >= this.o.depthEveryMs) await this.measureDepth();
        } catch (err) {
          this.o.log?.error({ err: errorMessage(err) }, 'Alert dispatcher poll failed; retrying next poll');
        }
        if (!this.running) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.o.pollMs);
          this.wake = () => { clearTimeout(timer); resolve(); };
        });
      }
    })();
  }

  /** Stops polling and waits for the deliveries in flight (each bounded by its timeout) to be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.drain();
  }

  /** One poll, then waits for every worker it started: the deterministic step tests and the bench use. */
  async runOnce(): Promise<void> {
    await this.poll();
    await this.drain();
    await this.measureDepth();
  }

  /** Outbox depth and the oldest pending delivery's age per destination, for /metrics. */
  async measureDepth(): Promise<void> {
    const now = this.o.clock();
    this.depthReadAt = now.getTime();
    const pending = new Map((await pendingByDestination(this.store)).map((p) => [p.destination, p]));
    // Every configured destination gets a value, 0 when nothing waits, so an emptied queue reads 0.
    for (const name of new Set([...this.byName.keys(), ...pending.keys()])) {
      const p = pending.get(name);
      outboxDepth.set({ destination: name }, p?.pending ?? 0);
      outboxOldestPendingAge.set({ destination: name }, p ? Math.max(0, (now.getTime() - p.oldest.getTime()) / 1000) : 0);
    }
  }

  private async drain(): Promise<void> {
    while (this.busy.size > 0) await Promise.allSettled([...this.busy.values()]);
  }

  /** Reads due deliveries and starts a worker per idle destination; does not wait for them. */
  async poll(): Promise<void> {
    const now = this.o.clock();
    const read = await dueDeliveries(this.store, now, this.o.batchSize);
    for (const [key, r] of this.recorded) if (now.getTime() - r.at > RECORDED_MEMORY_MS) this.recorded.delete(key);
    const due = read.filter((d) => !this.inFlight.has(deliveryKey(d)) && d.rev >= (this.recorded.get(deliveryKey(d))?.rev ?? 0));
    const perDestination = new Map<string, Delivery[]>();
    for (const d of due) {
      if (this.busy.has(d.destination)) continue;
      const list = perDestination.get(d.destination) ?? [];
      list.push(d);
      perDestination.set(d.destination, list);
    }
    for (const [name, list] of perDestination) {
      for (const d of list) this.inFlight.add(deliveryKey(d));
      const work = this.work(name, list)
        .catch((err) => this.o.log?.error({ destination: name, err: errorMessage(err) }, 'Alert delivery worker failed; deliveries stay queued'))
        .finally(() => {
          for (const d of list) this.inFlight.delete(deliveryKey(d));
          this.busy.delete(name);
        });
      this.busy.set(name, work);
    }
  }

  private async work(name: string, list: Delivery[]): Promise<void> {
    const destination = this.byName.get(name);
    const alerts = await storedAlerts(this.store, [...new Set(list.map((d) => d.fingerprint))]);
    const triage = await readTriage(this.store, [...new Set(list.map((d) => d.alertId))]);
    const updates: Delivery[] = [];
    const attempts: Attempt[] = [];
    // A delivery held for a snooze was not tried and has no outcome.
    const outcomes: ('delivered' | 'retrying' | 'failed')[] = [];
    let next = 0;
    const one = async (d: Delivery): Promise<void> => {
      const alert = alerts.get(d.fingerprint);
      const state = triage.get(d.alertId);
      const now = this.o.clock();
      if (!destination || !alert) {
        const why = !destination ? `destination ${name} is no longer configured` : 'alert not found';
        updates.push({ ...d, state: 'failed', lastError: why, rev: d.rev + 1 });
        outcomes.push('failed');
        return;
      }
      if (d.kind === 'trigger' && state && isSnoozed(state, now) && state.snoozedUntil) {
        // Held, not dropped: it goes out when the snooze ends if the alert is still open then.
        updates.push({ ...d, nextAttemptAt: state.snoozedUntil, rev: d.rev + 1 });
        return;
      }
      const attempt = d.attempts + 1;
      try {
        await destination.send(this.notification(d, alert, state?.occurrences ?? 1, now), AbortSignal.timeout(this.o.timeoutsMs?.[name] ?? this.o.timeoutMs));
        updates.push({ ...d, state: 'delivered', attempts: attempt, lastError: '', deliveredAt: this.o.clock(), rev: d.rev + 1 });
        attempts.push({ fingerprint: d.fingerprint, destination: name, kind: d.kind, attempt, at: now, ok: true, error: '' });
        outcomes.push('delivered');
      } catch (err) {
        const error = errorMessage(err).slice(0, 500);
        const gaveUp = attempt >= this.o.maxAttempts;
        updates.push({
          ...d, state: gaveUp ? 'failed' : 'pending', attempts: attempt, lastError: error, rev: d.rev + 1,
          nextAttemptAt: new Date(now.getTime() + backoffMs(attempt, this.o.baseDelayMs, this.o.maxDelayMs)),
        });
        attempts.push({ fingerprint: d.fingerprint, destination: name, kind: d.kind, attempt, at: now, ok: false, error });
        outcomes.push(gaveUp ? 'failed' : 'retrying');
        this.o.log?.warn({ destination: name, alert: d.alertId, attempt, gaveUp, err: error }, 'Alert delivery failed');
      }
    };
    const lane = async () => {
      while (next < list.length) {
        const d = list[next++];
        if (d) await one(d);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, list.length) }, lane));
    await this.o.fence?.();
    // Outcome first, then the attempt log: a crash in between at worst loses a log line, never a state.
    await writeDeliveries(this.store, updates, this.o.clock());
    const at = this.o.clock().getTime();
    for (const u of updates) this.recorded.set(deliveryKey(u), { rev: u.rev, at });
    await writeAttempts(this.store, attempts);
    // Counted once recorded: a deposed dispatcher (fence above) counts nothing its successor redoes.
    for (const status of outcomes) deliveryOutcomes.inc({ destination: name, status });
  }

  private notification(d: Delivery, alert: Alert, occurrences: number, now: Date): Notification {
    return {
      kind: d.kind, alert, occurrences, dedupKey: alert.fingerprint, sentAt: now,
      // The console routes by hash (one page served), so the alert's address is `/#/alerts/<id>`.
      consoleUrl: `${this.o.consoleBaseUrl.replace(/\/+$/, '')}/#/alerts/${encodeURIComponent(alert.id)}`,
      runbook: this.o.runbookOf?.(alert.detector),
    };
  }
}
