import { consumerLag } from '../telemetry/metrics.ts';

/**
 * driftwatch_consumer_lag_messages per topic and partition: the partition's high watermark (as of
 * the last fetch) minus the offset this member last committed. It counts what is fetched but not
 * yet stored as lag too, since a crash would read it again. Series are dropped on every group join,
 * so a partition moved to another member does not keep reporting here.
 */
export class PartitionLag {
  private readonly highWater = new Map<string, { topic: string; partition: number; offset: bigint }>();
  private readonly committedAt = new Map<string, bigint>();

  private static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  /** A fetch: kafkajs reports the partition's high watermark with every batch. */
  fetched(topic: string, partition: number, highWatermark: string, firstOffset: string): void {
    const k = PartitionLag.key(topic, partition);
    this.highWater.set(k, { topic, partition, offset: BigInt(highWatermark) });
    // The first fetch after an assignment starts at the committed offset.
    if (!this.committedAt.has(k)) this.committedAt.set(k, BigInt(firstOffset));
    this.publish(k);
  }

  committed(topic: string, partition: number, nextOffset: bigint): void {
    const k = PartitionLag.key(topic, partition);
    this.committedAt.set(k, nextOffset);
    this.publish(k);
  }

  reset(): void {
    this.highWater.clear();
    this.committedAt.clear();
    consumerLag.reset();
  }

  private publish(k: string): void {
    const hw = this.highWater.get(k);
    const committed = this.committedAt.get(k);
    if (!hw || committed === undefined) return;
    const lag = hw.offset > committed ? Number(hw.offset - committed) : 0;
    consumerLag.set({ topic: hw.topic, partition: String(hw.partition) }, lag);
  }
}
