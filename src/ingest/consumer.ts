import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { Config } from '../config/schema.ts';
import type { SourceKind } from '../decode/types.ts';
import type { Logger } from '../telemetry/logger.ts';
import { AppError, errorMessage } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { rangeLabel } from './batch.ts';
import { PartitionBuffer } from './partition-buffer.ts';
import { ClickHouseSink } from './sink.ts';
import { IngestCounters } from './counters.ts';
import { afterBatchInserted } from './fault-injection.ts';
import { OrderedWriter } from './ordered-writer.ts';
import type { FlushBatch } from './batch.ts';
import { DecodePool, inlineDecoder, type SegmentDecoder } from './decode-pool.ts';
import type { SegmentRequest } from './segment.ts';
import { splitIntoSegments } from './segmenter.ts';
import { PartitionLag } from './partition-lag.ts';
import { StoreOutage } from './store-outage.ts';
import { createIngestKafkaConsumer } from './kafka-consumer.ts';
import { memoryFigures } from '../telemetry/memory.ts';

/** Messages per decode segment: large enough to amortise a worker round trip, small enough to spread. */
const SEGMENT_MESSAGES = 1_000;

/** A batch and the group generation it was fetched in: only the current generation's are written. */
interface OwnedBatch extends FlushBatch {
  generation: number;
}

export interface IngestConsumerOptions {
  config: Config;
  store: Store;
  log: Logger;
  /** Sources to consume; default all four. */
  sources?: readonly SourceKind[];
}

/**
 * Kafka → ClickHouse for the four source topics.
 *
 * Per partition: decode each message (source → decode/validate → normalise), append to the
 * partition's buffer, flush when the buffer is full or old, then commit. The order inside a flush
 * is what makes a crash at any point lose nothing and duplicate nothing:
 *   1. ledger row for the offset range (BatchLedger),
 *   2. data and reject inserts, each with a token derived from the range (ClickHouse drops repeats),
 *   3. commit offset lastOffset + 1.
 * A crash before 3 replays the range; the ledger makes the replay form the same range, so step 2
 * repeats with the same tokens. A store that refuses step 2 for a while (disk full, too many
 * parts) pauses the partition and the batch is retried in place (StoreOutage); step 3 waits.
 */
export class IngestConsumer {
  readonly counters = new IngestCounters();
  private readonly lag = new PartitionLag();
  private readonly consumer: Consumer;
  private readonly sink: ClickHouseSink;
  private readonly buffers = new Map<string, PartitionBuffer>();
  /** Partitions whose ledger must be read before the first message after an assignment. */
  private readonly ledgerChecked = new Set<string>();
  /** Serialises work per partition: the fetch loop and the age timer never flush the same buffer at once. */
  private readonly locks = new Map<string, Promise<void>>();
  private readonly topicSource = new Map<string, SourceKind>();
  private ageTimer: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private assignment: Record<string, number[]> = {};
  private paused = false;
  private stopping = false;
  private fatal: Error | undefined;
  private reportFailure: (err: Error) => void = () => {};
  /** Settles when ingest cannot go on (store down past retries, consumer crashed for good). */
  readonly failed: Promise<Error> = new Promise((resolve) => {
    this.reportFailure = resolve;
  });
  private readonly writer: OrderedWriter<OwnedBatch>;
  private readonly outage: StoreOutage;
  private readonly decoder: SegmentDecoder;
  /** Incremented on every group join: work fetched under an older generation is dropped. */
  private generation = 0;

  constructor(private readonly options: IngestConsumerOptions) {
    const { config, log, store } = options;
    this.consumer = createIngestKafkaConsumer(config, log);
    // One attempt per write: the first refusal pauses the partition, StoreOutage does the retrying.
    this.sink = new ClickHouseSink(store, log, { maxAttempts: 1 });
    this.decoder = config.ingest.decodeWorkers > 0 ? new DecodePool(config.ingest.decodeWorkers) : inlineDecoder;
    this.writer = new OrderedWriter((batch) => this.writeAndCommit(batch), 6);
    this.outage = new StoreOutage(config.ingest.storeOutage, log, {
      pause: (key, topic, partition) => {
        this.consumer.pause([{ topic, partitions: [partition] }]);
        this.writer.setAsideKey(key, true);
      },
      resume: (key, topic, partition) => {
        this.writer.setAsideKey(key, false);
        if (!this.stopping) this.consumer.resume([{ topic, partitions: [partition] }]);
      },
    });
    for (const source of options.sources ?? (['gateway', 'billing', 'idp', 'agent'] as const)) {
      this.topicSource.set(config.kafka.topics[source], source);
    }
  }

  /** Partitions this member owns since its last group join. */
  get assignedPartitions(): number {
    return Object.values(this.assignment).reduce((n, ps) => n + ps.length, 0);
  }

  get stats() {
    return { ...this.counters.snapshot(), ...this.sink.stats };
  }

  /** Partitions waiting for the store to take their batch (0: it takes writes), for readiness. */
  get storeOutage() {
    return this.outage.status();
  }

  async start(): Promise<void> {
    const { config, log } = this.options;
    await this.consumer.connect();
    // kafkajs starts every (re)assigned partition from its committed offset: whatever was buffered
    // and not committed will be fetched again, so it is dropped here, never flushed twice.
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.assignment = e.payload.memberAssignment;
      log.info({ assignment: e.payload.memberAssignment }, 'Joined consumer group; buffers reset to committed offsets');
      for (const b of this.buffers.values()) b.discard();
      this.ledgerChecked.clear();
      this.lag.reset();
      this.generation += 1;
      // A batch waiting for the store was formed for the old assignment: it stops waiting.
      this.outage.wake();
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      log.error({ err: errorMessage(e.payload.error), restart: e.payload.restart }, 'Kafka consumer crashed');
      if (!e.payload.restart) this.reportFailure(e.payload.error);
    });
    await this.consumer.subscribe({ topics: [...this.topicSource.keys()], fromBeginning: config.kafka.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.ageTimer = setInterval(() => void this.flushAged(), Math.max(50, Math.floor(config.ingest.maxBatchAgeMs / 4)));
    this.progressTimer = setInterval(() => log.info({ ...this.stats, bufferedBytes: this.bufferedBytes(), memory: memoryFigures() }, 'Ingest progress'), 10_000);
    this.ageTimer.unref();
    this.progressTimer.unref();
    log.info({ topics: [...this.topicSource.keys()], brokers: config.kafka.brokers, store: this.options.store.location }, 'Ingest started');
  }

  private key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  private buffer(topic: string, partition: number): PartitionBuffer {
    const k = this.key(topic, partition);
    let b = this.buffers.get(k);
    if (!b) {
      const { maxBatchRows, maxBatchBytes, maxBatchAgeMs } = this.options.config.ingest;
      b = new PartitionBuffer(this.topicSource.get(topic) ?? 'unknown', topic, partition, { maxBatchRows, maxBatchBytes, maxBatchAgeMs });
      this.buffers.set(k, b);
    }
    return b;
  }

  private withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    this.locks.set(key, run.then(() => undefined, () => undefined));
    return run;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.fatal) throw this.fatal;
    const { topic, partition } = batch;
    const source = this.topicSource.get(topic);
    if (!source) return;
    const k = this.key(topic, partition);
    const generation = this.generation;
    await this.withLock(k, async () => {
      // A topic-wide resume (back-pressure) also resumed a partition waiting for the store: pause
      // it again and leave the fetch unresolved, so it is fetched again once the store is back.
      if (this.outage.holds(k)) {
        this.consumer.pause([{ topic, partitions: [partition] }]);
        return;
      }
      const buf = this.buffer(topic, partition);
      const first = batch.messages[0];
      if (!first) return;
      this.lag.fetched(topic, partition, batch.highWatermark, first.offset);
      // A fetch that starts before what we hold means kafkajs went back to the committed offset.
      if (buf.nextOffset !== undefined && BigInt(first.offset) < buf.nextOffset) buf.discard();
      if (!this.ledgerChecked.has(k)) {
        // A batch of this partition still being written may not have its ledger row yet; reading
        // the ledger before it lands would let this member form other ranges for the same offsets.
        await this.writer.drainKey(k);
        buf.setForcedRanges(await this.sink.ledger.pendingRanges(topic, partition, first.offset));
        this.ledgerChecked.add(k);
      }
      const segments = splitIntoSegments(batch.messages, buf.segmentBreaks(), SEGMENT_MESSAGES);
      // All segments decode at once (the pool spreads them); they are buffered in offset order.
      const decoded = segments.map((seg) => this.decoder.decode(this.segmentRequest(source, topic, partition, seg)));
      for (const pending of decoded) {
        const segment = await pending;
        // After a rebalance kafkajs fetches again from the committed offset; this fetch is void.
        // While the store refuses this partition's batch, the rest stays unresolved (fetched again).
        if (generation !== this.generation || !isRunning() || isStale() || this.outage.holds(k)) break;
        if (buf.mustFlushBefore(segment.firstOffset)) {
          await this.flush(buf);
          // Not flushed: the store refuses this partition's batch. A recorded range must not grow.
          if (!buf.isEmpty) break;
        }
        buf.add(segment);
        this.counters.recordSegment(source, segment);
        // Marks the messages as fetched (so the next fetch moves on); nothing is committed here.
        resolveOffset(segment.lastOffset);
        if (buf.isReady()) {
          await this.flush(buf);
          await heartbeat();
        }
      }
    });
    await this.applyBackPressure();
  }

  private segmentRequest(source: SourceKind, topic: string, partition: number, messages: { offset: string; value: Buffer | null }[]): SegmentRequest {
    const { ingest } = this.options.config;
    return {
      source, topic, partition,
      offsets: messages.map((m) => m.offset),
      values: messages.map((m) => m.value),
      storePromptText: ingest.storePromptText, maxFutureSkewMs: ingest.maxFutureSkewMs, maxMessageBytes: ingest.maxMessageBytes, keepWholeRejects: ingest.keepWholeRejects,
    };
  }

  /**
   * Hands the buffer to the ordered writer. Caller holds the partition lock. A partition waiting
   * for the store keeps its buffer: it is flushed once the store takes the batch before it.
   */
  private async flush(buf: PartitionBuffer): Promise<void> {
    if (this.fatal) throw this.fatal;
    const key = this.key(buf.topic, buf.partition);
    if (this.outage.holds(key)) return;
    const batch = buf.take();
    if (batch) await this.writer.submit(key, { ...batch, generation: this.generation });
  }

  /** Ledger → inserts → commit (see the class comment); runs in partition order on the writer. */
  private async writeAndCommit(batch: OwnedBatch): Promise<void> {
    if (this.fatal) throw this.fatal;
    // Fetched before the group rejoined: whoever owns the partition now fetches it again from the
    // committed offset. Writing it now could commit past an earlier batch that was never stored.
    if (batch.generation !== this.generation) return;
    const started = Date.now();
    try {
      await this.outage.write(this.key(batch.topic, batch.partition), batch, () => this.sink.write(batch), () => batch.generation === this.generation);
    } catch (err) {
      // Not committing is safe: the range is fetched again (at the next start, or by its new owner).
      if ((this.stopping || batch.generation !== this.generation) && err instanceof AppError && err.code === 'STORE_OUTAGE') {
        this.options.log.info({ range: rangeLabel(batch), err: errorMessage(err) }, 'Stopped waiting for the store; batch left uncommitted and fetched again');
        throw err;
      }
      this.fatal = err as Error;
      this.reportFailure(this.fatal);
      this.options.log.error({ range: rangeLabel(batch), err: errorMessage(err) }, 'Flush failed; stopping ingest without committing');
      throw err;
    }
    afterBatchInserted();
    const next = BigInt(batch.lastOffset) + 1n;
    try {
      await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next.toString() }]);
      this.lag.committed(batch.topic, batch.partition, next);
    } catch (err) {
      // A rebalance took the partition: its next owner re-forms this range from the ledger and
      // ClickHouse drops the repeat, so nothing is lost or doubled.
      this.options.log.warn({ range: rangeLabel(batch), err: errorMessage(err) }, 'Commit failed after insert; the range will be replayed idempotently');
      return;
    }
    this.options.log.debug({ range: rangeLabel(batch), messages: batch.messageCount, ms: Date.now() - started }, 'Flushed batch');
  }

  private bufferedBytes(): number {
    let total = 0;
    for (const b of this.buffers.values()) total += b.size.bytes;
    return total;
  }

  /**
   * Pause fetching while buffers together exceed their byte budget; flush, then resume. Waits for
   * the partitions the store takes writes for only: the others keep their buffers until it does.
   */
  private async applyBackPressure(): Promise<void> {
    if (this.paused || this.bufferedBytes() < this.options.config.ingest.maxBufferedBytes) return;
    const topics = [...this.topicSource.keys()].map((topic) => ({ topic }));
    this.paused = true;
    this.consumer.pause(topics);
    this.options.log.warn({ bufferedBytes: this.bufferedBytes() }, 'Buffers full; fetching paused until they flush');
    try {
      await this.flushAll((key) => !this.outage.holds(key));
    } finally {
      this.paused = false;
      if (!this.stopping) this.consumer.resume(topics);
    }
  }

  private async flushAged(): Promise<void> {
    const now = Date.now();
    for (const [k, b] of this.buffers) {
      if (b.isReady(now)) await this.withLock(k, () => this.flush(b)).catch(() => undefined);
    }
  }

  async flushAll(which: (key: string) => boolean = () => true): Promise<void> {
    for (const [k, b] of this.buffers) await this.withLock(k, () => this.flush(b));
    await this.writer.drain(which);
  }

  /** Graceful stop (SIGTERM): stop fetching, flush and commit every buffer, leave the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.ageTimer);
    clearInterval(this.progressTimer);
    this.consumer.pause([...this.topicSource.keys()].map((topic) => ({ topic })));
    // A batch waiting for the store is not waited for: it stays uncommitted and is consumed again.
    this.outage.stopWaiting();
    try {
      if (!this.fatal) await this.flushAll();
    } finally {
      await this.consumer.disconnect();
      await this.decoder.close();
      this.options.log.info(this.stats, 'Ingest stopped');
    }
  }
}

