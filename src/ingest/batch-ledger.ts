import type { Store } from '../store/store.ts';
import { dedupToken, type OffsetRange } from './batch.ts';

/**
 * Write-ahead ledger of flushed offset ranges (table ingest_batches).
 *
 * Why: insert_deduplication_token only helps when a retry carries the SAME token, i.e. the same
 * offset range. After a crash between "rows inserted" and "offset committed", the restarted
 * consumer would naturally buffer a different range (age and size limits differ run to run) and
 * the rows would be inserted twice. Writing the range here before the data lets the next owner
 * of the partition re-form exactly the ranges that may already be in ClickHouse.
 */
export class BatchLedger {
  constructor(private readonly store: Store) {}

  async record(range: OffsetRange): Promise<void> {
    await this.store.client.insert({
      table: 'ingest_batches',
      values: [{ topic: range.topic, partition: range.partition, first_offset: range.firstOffset, last_offset: range.lastOffset }],
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: dedupToken(range, 'ingest_batches') },
    });
  }

  /** Ranges that end at or after `fromOffset`: possibly written, not known to be committed. */
  async pendingRanges(topic: string, partition: number, fromOffset: string): Promise<OffsetRange[]> {
    const res = await this.store.client.query({
      query: `SELECT toString(first_offset) AS first, toString(last_offset) AS last
              FROM ingest_batches FINAL
              WHERE topic = {topic:String} AND partition = {partition:UInt32} AND last_offset >= {from:UInt64}
              ORDER BY first_offset`,
      query_params: { topic, partition, from: fromOffset },
      format: 'JSONEachRow',
    });
    const rows = await res.json<{ first: string; last: string }>();
    return rows.map((r) => ({ topic, partition, firstOffset: r.first, lastOffset: r.last }));
  }
}
