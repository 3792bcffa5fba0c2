import type { DataTable, IngestRejectRow } from '../normalize/rows.ts';
import type { EncodedTable } from './segment.ts';

/** A contiguous offset range of one partition, flushed as one unit. */
export interface OffsetRange {
  topic: string;
  partition: number;
  /** Offsets as decimal strings: Kafka offsets are int64. */
  firstOffset: string;
  lastOffset: string;
}

/** Everything one flush writes: encoded rows per table, rejects, and the range they came from. */
export interface FlushBatch extends OffsetRange {
  tables: Partial<Record<DataTable, EncodedTable[]>>;
  rejects: IngestRejectRow[];
  rowCount: number;
  messageCount: number;
  payloadBytes: number;
}

/**
 * The insert_deduplication_token of one table's part of a batch. Derived only from the range and
 * the table, so a retry or a replay after a crash produces the same token and ClickHouse keeps
 * the first copy only.
 */
export function dedupToken(range: OffsetRange, table: string): string {
  return `${range.topic}/${range.partition}/${range.firstOffset}-${range.lastOffset}/${table}`;
}

export function rangeLabel(range: OffsetRange): string {
  return `${range.topic}[${range.partition}]@${range.firstOffset}-${range.lastOffset}`;
}
