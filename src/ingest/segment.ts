import type { SourceKind } from '../decode/types.ts';
import { decodeContext, decodeMessage } from '../decode/message.ts';
import { TABLE_COLUMNS } from '../normalize/columns.ts';
import type { DataTable, IngestRejectRow } from '../normalize/rows.ts';
import { tsvBuilder, type TsvBuilder } from '../store/tsv.ts';
import { AppError } from '../errors.ts';
import { hasNaturalKey, LOOKUP_COLUMNS, naturalKey } from '../normalize/natural-key.ts';

/**
 * A segment is a run of consecutive messages of one partition, decoded and encoded together:
 * the unit of work handed to a decode worker. Its output is already in the insert format (TSV
 * per table), so the partition buffer only concatenates bytes and the main thread stays free for
 * Kafka and ClickHouse I/O.
 */
export interface SegmentRequest {
  source: SourceKind;
  topic: string;
  partition: number;
  offsets: string[];
  values: (Uint8Array | null)[];
  storePromptText: boolean;
  maxFutureSkewMs: number;
  maxMessageBytes: number;
  /** ingest.keepWholeRejects (see decode/reject-evidence.ts). */
  keepWholeRejects?: boolean;
}

export interface EncodedTable {
  tsv: Uint8Array;
  rows: number;
  /** Tables with a natural key (normalize/natural-key.ts): each row's key and where to look it up. */
  keys?: RowKeys;
}

/** Per row, in TSV order: what the sink needs to find rows already stored under the same key. */
export interface RowKeys {
  /** natural_key ('' = none). */
  key: string[];
  /** The values of the table's LOOKUP_COLUMNS, one array per column. */
  lookup: string[][];
  /** The row's own Kafka coordinate: a row found at its own coordinate is this batch's earlier attempt. */
  offset: string[];
  recordIndex: number[];
}

function rowKeys(columns: number): RowKeys {
  return { key: [], lookup: Array.from({ length: columns }, () => []), offset: [], recordIndex: [] };
}

export interface SegmentCounts {
  accepted: number;
  rejected: number;
  byFormat: Record<string, number>;
  rejectReasons: Record<string, number>;
}

export interface SegmentResult {
  firstOffset: string;
  lastOffset: string;
  messageCount: number;
  payloadBytes: number;
  tables: Partial<Record<DataTable, EncodedTable>>;
  rejects: IngestRejectRow[];
  counts: SegmentCounts;
}

export function decodeSegment(req: SegmentRequest): SegmentResult {
  const ctx = decodeContext(req.storePromptText, req.maxFutureSkewMs);
  const limits = { maxMessageBytes: req.maxMessageBytes, keepWholeRejects: req.keepWholeRejects === true };
  // Rows are encoded as they are produced, so a record and its parsed message die young (GC).
  const builders: Partial<Record<DataTable, TsvBuilder>> = {};
  const keys: Partial<Record<DataTable, RowKeys>> = {};
  const rejects: IngestRejectRow[] = [];
  const counts: SegmentCounts = { accepted: 0, rejected: 0, byFormat: {}, rejectReasons: {} };
  let payloadBytes = 0;
  for (let m = 0; m < req.values.length; m++) {
    const value = req.values[m] ?? null;
    const offset = req.offsets[m] as string;
    payloadBytes += value?.byteLength ?? 0;
    const decoded = decodeMessage(req.source, value, ctx, limits);
    const reject = (r: IngestRejectRow) => {
      rejects.push(r);
      counts.rejected += 1;
      counts.rejectReasons[r.reason] = (counts.rejectReasons[r.reason] ?? 0) + 1;
    };
    let index = 0;
    for (const record of decoded.records) {
      const row = record.row as unknown as Record<string, unknown>;
      const recordIndex = index++;
      row['source_topic'] = req.topic;
      row['source_partition'] = req.partition;
      row['source_offset'] = offset;
      row['record_index'] = recordIndex;
      const table = record.table;
      if (hasNaturalKey(table)) row['natural_key'] = naturalKey(table, record.row as never);
      try {
        (builders[table] ??= tsvBuilder(TABLE_COLUMNS[table])).add(row);
      } catch (err) {
        // A number the decoder's bounds let through but the column cannot hold (a derived sum, a
        // decoder without bounds): this record is rejected, the builder kept none of it.
        if (!(err instanceof AppError) || err.code !== 'VALUE_OUT_OF_RANGE') throw err;
        const raw = typeof row['raw'] === 'string' ? row['raw'] : '';
        reject({ source: req.source, topic: req.topic, partition: req.partition, offset, record_index: recordIndex, reason: 'out_of_range',
          format: record.format, detail: err.message, raw_encoding: 'utf8', raw_bytes: Buffer.byteLength(raw), raw });
        continue;
      }
      if (hasNaturalKey(table)) {
        const columns = LOOKUP_COLUMNS[table];
        const k = (keys[table] ??= rowKeys(columns.length));
        k.key.push(row['natural_key'] as string);
        columns.forEach((c, i) => (k.lookup[i] as string[]).push(String(row[c])));
        k.offset.push(offset);
        k.recordIndex.push(recordIndex);
      }
      counts.accepted += 1;
      counts.byFormat[record.format] = (counts.byFormat[record.format] ?? 0) + 1;
    }
    for (const r of decoded.rejects) {
      reject({
        source: req.source, topic: req.topic, partition: req.partition, offset, record_index: r.recordIndex,
        reason: r.reason, format: r.format, detail: r.detail, raw_encoding: r.rawEncoding, raw_bytes: r.rawBytes, raw: r.raw,
      });
    }
  }
  const tables: Partial<Record<DataTable, EncodedTable>> = {};
  for (const [table, builder] of Object.entries(builders) as [DataTable, TsvBuilder][]) {
    const k = keys[table];
    tables[table] = { tsv: builder.finish(), rows: builder.rows, ...(k ? { keys: k } : {}) };
  }
  return {
    firstOffset: req.offsets[0] as string,
    lastOffset: req.offsets[req.offsets.length - 1] as string,
    messageCount: req.values.length,
    payloadBytes,
    tables,
    rejects,
    counts,
  };
}
