import type { FlushBatch } from './batch.ts';

/**
 * Writes batches in the background so decoding goes on while ClickHouse inserts, yet keeps the
 * order that makes commits safe: batches of one partition are written (and committed) strictly
 * one after another. At most `maxInFlight` batches wait at once; `submit` blocks beyond that,
 * which is what holds the Kafka fetch loop back (back-pressure).
 */
export class OrderedWriter {
  private readonly chains = new Map<string, Promise<void>>();
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly write: (batch: FlushBatch) => Promise<void>,
    private readonly maxInFlight: number,
  ) {}

  get pending(): number {
    return this.inFlight;
  }

  async submit(key: string, batch: FlushBatch): Promise<void> {
    while (this.inFlight >= this.maxInFlight) await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight += 1;
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.write(batch)).finally(() => {
      this.inFlight -= 1;
      this.waiters.shift()?.();
    });
    // The write reports its own failure (the consumer turns it into a stop); the chain only orders.
    this.chains.set(key, next.catch(() => undefined));
  }

  /** Resolves when every batch submitted for `key` has been written or has failed. */
  async drainKey(key: string): Promise<void> {
    await this.chains.get(key);
  }

  /** Resolves when every submitted batch has been written or has failed. */
  async drain(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }
}
