import type { DataTable, IngestRejectRow } from '../normalize/rows.ts';
import type { FlushBatch, OffsetRange } from './batch.ts';
import type { EncodedTable, SegmentResult } from './segment.ts';

export interface BufferLimits {
  maxBatchRows: number;
  maxBatchBytes: number;
  maxBatchAgeMs: number;
}

/**
 * Decoded (already encoded) segments of one topic-partition waiting for their flush. Knows its
 * offset range and, after a restart, the ranges it must reproduce exactly (see BatchLedger):
 * while such a range is open the size and age limits do not apply, so the re-formed batch gets
 * the original deduplication token.
 */
export class PartitionBuffer {
  private tables: Partial<Record<DataTable, EncodedTable[]>> = {};
  private rejects: IngestRejectRow[] = [];
  private firstOffset: string | undefined;
  private lastOffset: string | undefined;
  private rowCount = 0;
  private messageCount = 0;
  private bytes = 0;
  private openedAt = 0;
  /** Ranges from the ledger still to be reproduced, oldest first. */
  private forced: OffsetRange[] = [];

  constructor(
    readonly source: string,
    readonly topic: string,
    readonly partition: number,
    private readonly limits: BufferLimits,
  ) {}

  get size(): { rows: number; bytes: number; messages: number } {
    return { rows: this.rowCount, bytes: this.bytes, messages: this.messageCount };
  }

  get isEmpty(): boolean {
    return this.messageCount === 0;
  }

  /** Offset of the next message this buffer expects, or undefined when it holds nothing. */
  get nextOffset(): bigint | undefined {
    return this.lastOffset === undefined ? undefined : BigInt(this.lastOffset) + 1n;
  }

  setForcedRanges(ranges: OffsetRange[]): void {
    this.forced = ranges;
  }

  /** Offsets at which a segment must start anew, so no segment straddles a recorded range's edge. */
  segmentBreaks(): bigint[] {
    return this.forced.flatMap((r) => [BigInt(r.firstOffset), BigInt(r.lastOffset) + 1n]);
  }

  /** Before adding a segment starting at `offset`: must the current content be flushed first? */
  mustFlushBefore(offset: string): boolean {
    const range = this.forced[0];
    if (!range || this.isEmpty) return false;
    // Content from before the first recorded range is a batch of its own.
    if (BigInt(this.firstOffset as string) < BigInt(range.firstOffset)) return BigInt(offset) >= BigInt(range.firstOffset);
    return BigInt(offset) > BigInt(range.lastOffset);
  }

  /** The recorded range the current content belongs to, if any. */
  private activeRange(): OffsetRange | undefined {
    const range = this.forced[0];
    if (!range || this.isEmpty) return undefined;
    return BigInt(this.firstOffset as string) >= BigInt(range.firstOffset) ? range : undefined;
  }

  add(segment: SegmentResult): void {
    if (this.firstOffset === undefined) {
      this.firstOffset = segment.firstOffset;
      this.openedAt = Date.now();
    }
    this.lastOffset = segment.lastOffset;
    this.messageCount += segment.messageCount;
    this.bytes += segment.payloadBytes;
    for (const [table, encoded] of Object.entries(segment.tables) as [DataTable, EncodedTable][]) {
      (this.tables[table] ??= []).push(encoded);
      this.rowCount += encoded.rows;
    }
    for (const r of segment.rejects) this.rejects.push(r);
    this.rowCount += segment.rejects.length;
  }

  /** Is the buffer due for a flush by size, age, or because a recorded range is complete? */
  isReady(now = Date.now()): boolean {
    if (this.isEmpty) return false;
    const range = this.activeRange();
    if (range) return BigInt(this.lastOffset as string) >= BigInt(range.lastOffset);
    return this.rowCount >= this.limits.maxBatchRows || this.bytes >= this.limits.maxBatchBytes || now - this.openedAt >= this.limits.maxBatchAgeMs;
  }

  /** Hands the content over as a batch and empties the buffer. */
  take(): FlushBatch | undefined {
    if (this.isEmpty) return undefined;
    const range = this.activeRange();
    // A reproduced range keeps its recorded bounds even if some offsets no longer exist (gaps).
    const firstOffset = range ? range.firstOffset : (this.firstOffset as string);
    const lastOffset = range && BigInt(this.lastOffset as string) <= BigInt(range.lastOffset) ? range.lastOffset : (this.lastOffset as string);
    if (range) this.forced.shift();
    const batch: FlushBatch = {
      topic: this.topic, partition: this.partition, firstOffset, lastOffset,
      tables: this.tables, rejects: this.rejects, rowCount: this.rowCount, messageCount: this.messageCount, payloadBytes: this.bytes,
    };
    this.reset();
    return batch;
  }

  /** Forget buffered content (the partition was revoked or is being re-fetched). */
  discard(): void {
    this.reset();
    this.forced = [];
  }

  private reset(): void {
    this.tables = {};
    this.rejects = [];
    this.firstOffset = undefined;
    this.lastOffset = undefined;
    this.rowCount = 0;
    this.messageCount = 0;
    this.bytes = 0;
  }
}
