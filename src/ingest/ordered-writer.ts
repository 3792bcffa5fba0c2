/**
 * Writes batches in the background so decoding goes on while ClickHouse inserts, yet keeps the
 * order that makes commits safe: batches of one partition are written (and committed) strictly
 * one after another. At most `maxInFlight` batches wait at once; `submit` blocks beyond that,
 * which is what holds the Kafka fetch loop back (back-pressure).
 *
 * A partition set aside (its fetching paused while the store refuses its batch) does not count
 * towards that bound: it adds no batches while paused, and the other partitions' flushes must not
 * queue behind a wait that may last hours — their fetch loop would stop heartbeating.
 */
export class OrderedWriter<Batch> {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly perKey = new Map<string, number>();
  private readonly setAside = new Set<string>();
  private waiters: (() => void)[] = [];

  constructor(
    private readonly write: (batch: Batch) => Promise<void>,
    private readonly maxInFlight: number,
  ) {}

  /** Batches submitted and not yet written, set-aside partitions excluded. */
  get pending(): number {
    let n = 0;
    for (const [key, count] of this.perKey) if (!this.setAside.has(key)) n += count;
    return n;
  }

  async submit(key: string, batch: Batch): Promise<void> {
    while (this.pending >= this.maxInFlight) await new Promise<void>((r) => this.waiters.push(r));
    this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.write(batch)).finally(() => {
      this.perKey.set(key, (this.perKey.get(key) ?? 1) - 1);
      this.wake();
    });
    // The write reports its own failure (the consumer turns it into a stop); the chain only orders.
    this.chains.set(key, next.catch(() => undefined));
  }

  /** Sets a partition aside from the in-flight bound, or counts it again. */
  setAsideKey(key: string, aside: boolean): void {
    if (aside) this.setAside.add(key);
    else this.setAside.delete(key);
    this.wake();
  }

  /** Resolves when every batch submitted for `key` has been written or has failed. */
  async drainKey(key: string): Promise<void> {
    await this.chains.get(key);
  }

  /** Resolves when every submitted batch (of the keys `which` selects) has been written or has failed. */
  async drain(which: (key: string) => boolean = () => true): Promise<void> {
    await Promise.all([...this.chains].filter(([key]) => which(key)).map(([, chain]) => chain));
  }

  /** Every waiter checks the bound again (cheap: at most a few flushes wait at once). */
  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }
}
