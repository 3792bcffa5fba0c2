import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, errorMessage } from '../errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { storeOutageSeconds, storeWaitingPartitions } from '../telemetry/metrics.ts';
import { rangeLabel, type OffsetRange } from './batch.ts';

export interface StoreOutageOptions {
  /** Backoff between retries doubles from FIRST_DELAY_MS up to this. */
  retryMaxDelayMs: number;
  /** 0: wait as long as it takes; else give up once one partition has waited this long. */
  giveUpAfterMs: number;
}

/** What waiting does to a partition's fetching: the consumer pauses and resumes it in kafkajs. */
export interface PartitionControl {
  pause(key: string, topic: string, partition: number): void;
  resume(key: string, topic: string, partition: number): void;
}

interface Waiting {
  topic: string;
  partition: number;
  since: number;
  attempts: number;
  error: string;
}

const FIRST_DELAY_MS = 200;

/**
 * The sink gives up on a batch with CH_INSERT_FAILED only for errors classified retriable
 * (src/store/insert-errors.ts: disk full, too many parts, memory, network); poison never gets
 * here (it becomes rejects) and anything else is not the store being away.
 */
function storeRefused(err: unknown): boolean {
  return err instanceof AppError && err.code === 'CH_INSERT_FAILED';
}

/**
 * Rides out a store that refuses writes for a while, per partition. A batch the store refuses
 * pauses its partition's fetching and is written again with backoff until it lands, then the
 * partition resumes: the caller commits only after `write` returns, so nothing is committed past
 * what is stored, and the retries reuse the batch's deduplication tokens, so a part that did land
 * is not stored twice. Other partitions go on until one of their own batches is refused (one
 * disk: all of them, one batch each; one table over its parts limit: only the topics writing it).
 *
 * A partition whose wait ended without its batch stored (ingest stopping, or waiting longer than
 * giveUpAfterMs) is abandoned: nothing more of it may be written or committed by this process, so
 * its range is consumed again from the committed offset at the next start. A batch that stopped
 * being current (the group rebalanced: the consumer refetches every partition from its committed
 * offset) just stops waiting, and its partition resumes.
 */
export class StoreOutage {
  private readonly waiting = new Map<string, Waiting>();
  private readonly abandoned = new Set<string>();
  private stopped = false;
  /** Aborted to end every sleep at once (stop, rebalance); replaced after each use. */
  private wakeUp = new AbortController();
  private gaugeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: StoreOutageOptions,
    private readonly log: Logger,
    private readonly control: PartitionControl,
  ) {}

  /** Is the partition waiting for the store or abandoned? Then none of its buffer may be flushed. */
  holds(key: string): boolean {
    return this.waiting.has(key) || this.abandoned.has(key);
  }

  /** For readiness: the partitions waiting, how long the longest has waited, the store's last answer. */
  status(now = Date.now()): { waitingPartitions: number; partitions: string[]; waitedSeconds: number; attempts: number; lastError?: string } {
    let oldest: Waiting | undefined;
    let attempts = 0;
    for (const w of this.waiting.values()) {
      if (!oldest || w.since < oldest.since) oldest = w;
      attempts += w.attempts;
    }
    return {
      waitingPartitions: this.waiting.size,
      partitions: [...this.waiting.values()].map((w) => `${w.topic}[${w.partition}]`).sort(),
      waitedSeconds: oldest ? Math.round((now - oldest.since) / 1000) : 0,
      attempts,
      ...(oldest ? { lastError: oldest.error.slice(0, 300) } : {}),
    };
  }

  /** Ends every wait (graceful stop): the waiting batches stay uncommitted. */
  stopWaiting(): void {
    this.stopped = true;
    this.wake();
  }

  /** Ends every sleep now, so each waiting batch checks at once whether it is still current. */
  wake(): void {
    const current = this.wakeUp;
    this.wakeUp = new AbortController();
    current.abort();
  }

  /**
   * Runs `write` until it succeeds, while `current()` holds; rethrows at once what is not the
   * store refusing (see class comment).
   */
  async write(key: string, range: OffsetRange, write: () => Promise<void>, current: () => boolean = () => true): Promise<void> {
    if (this.abandoned.has(key)) throw this.abandonedError(range, 'an earlier batch of this partition was not stored');
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        this.leave(key, range, true);
        return;
      } catch (err) {
        if (!storeRefused(err)) throw err;
        const w = this.refused(key, range, err);
        const waitedMs = Date.now() - w.since;
        const { giveUpAfterMs, retryMaxDelayMs } = this.options;
        if (giveUpAfterMs > 0 && waitedMs >= giveUpAfterMs) throw this.abandon(key, range, `the store refused writes for ${waitedMs} ms (giveUpAfterMs ${giveUpAfterMs})`, err);
        const delay = Math.min(retryMaxDelayMs, FIRST_DELAY_MS * 2 ** (attempt - 1));
        this.log.warn({ range: rangeLabel(range), attempt, waitedMs, nextRetryMs: delay, ...(giveUpAfterMs > 0 ? { giveUpInMs: giveUpAfterMs - waitedMs } : {}), err: errorMessage(err) },
          'Store refuses writes; partition paused, batch retried');
        await sleep(delay, undefined, { signal: this.wakeUp.signal }).catch(() => undefined);
        if (this.stopped) throw this.abandon(key, range, 'ingest stopped while waiting for the store', err);
        if (!current()) {
          this.leave(key, range, false);
          throw this.abandonedError(range, 'the consumer group rebalanced while it waited; fetched again from the committed offset', { attempts: w.attempts, cause: err });
        }
      }
    }
  }

  private refused(key: string, range: OffsetRange, err: unknown): Waiting {
    let w = this.waiting.get(key);
    if (!w) {
      w = { topic: range.topic, partition: range.partition, since: Date.now(), attempts: 0, error: '' };
      this.waiting.set(key, w);
      this.control.pause(key, range.topic, range.partition);
      this.updateGauges();
    }
    w.attempts += 1;
    w.error = errorMessage(err);
    return w;
  }

  /** The partition stops waiting: its batch was stored, or is no longer current. */
  private leave(key: string, range: OffsetRange, stored: boolean): void {
    const w = this.waiting.get(key);
    if (!w) return;
    this.waiting.delete(key);
    this.control.resume(key, w.topic, w.partition);
    this.updateGauges();
    if (stored) this.log.info({ range: rangeLabel(range), waitedMs: Date.now() - w.since, attempts: w.attempts }, 'Store takes writes again; partition resumed');
  }

  private abandon(key: string, range: OffsetRange, why: string, cause: unknown): AppError {
    const w = this.waiting.get(key);
    this.waiting.delete(key);
    this.abandoned.add(key);
    this.updateGauges();
    return this.abandonedError(range, why, { attempts: w?.attempts ?? 0, cause });
  }

  private abandonedError(range: OffsetRange, why: string, extra: { attempts?: number; cause?: unknown } = {}): AppError {
    return new AppError('STORE_OUTAGE', `${rangeLabel(range)} not stored: ${why}`, { range: rangeLabel(range), attempts: extra.attempts ?? 0 }, true,
      extra.cause === undefined ? undefined : { cause: extra.cause });
  }

  /** The outage's age moves while nothing else happens: a 1 s tick keeps /metrics current. */
  private updateGauges(): void {
    const set = () => {
      const s = this.status();
      storeWaitingPartitions.set(s.waitingPartitions);
      storeOutageSeconds.set(s.waitedSeconds);
    };
    set();
    if (this.waiting.size > 0 && !this.gaugeTimer) {
      this.gaugeTimer = setInterval(set, 1_000);
      this.gaugeTimer.unref();
    } else if (this.waiting.size === 0 && this.gaugeTimer) {
      clearInterval(this.gaugeTimer);
      this.gaugeTimer = undefined;
    }
  }
}
