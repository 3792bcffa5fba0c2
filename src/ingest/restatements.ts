import { createHash } from 'node:crypto';
import type { Store } from '../store/store.ts';
import { TABLE_COLUMNS } from '../normalize/columns.ts';
import { selectRows } from '../store/select-rows.ts';
import { joinRows, rowFields, splitRows } from './tsv-rows.ts';

/** What the restatement step left of a batch's provider_usage rows. */
export interface Restated {
  payload: Uint8Array;
  rows: number;
  /** Exports replaced: earlier ones in the batch (not stored) plus stored ones cancelled and removed. */
  superseded: number;
}

/** The columns a stored export is found by: its primary-key prefix, its bucket and its coordinates. */
interface Located {
  provider: string;
  api_key_id: string;
  event_time: string;
  bucket_key: string;
  natural_key: string;
  source_topic: string;
  source_partition: string;
  source_offset: string;
  record_index: string;
}

interface StoredExport extends Located { net: number }

const COLUMNS = TABLE_COLUMNS.provider_usage;
const WHERE_BUCKET = `(provider, api_key_id, event_time, bucket_key) IN (
  SELECT z.1, z.2, toDateTime64(z.3, 3, 'UTC'), z.4 FROM (SELECT arrayJoin(arrayZip({p:Array(String)}, {k:Array(String)}, {t:Array(String)}, {b:Array(String)})) AS z))`;
const WHERE_EXPORT = `(provider, api_key_id, event_time, bucket_key, natural_key, toString(source_topic), source_partition, source_offset, record_index) IN (
  SELECT z.1, z.2, toDateTime64(z.3, 3, 'UTC'), z.4, z.5, z.6, toUInt32(z.7), toUInt64(z.8), toUInt32(z.9)
  FROM (SELECT arrayJoin(arrayZip({p:Array(String)}, {k:Array(String)}, {t:Array(String)}, {b:Array(String)}, {n:Array(String)},
                                   {st:Array(String)}, {sp:Array(String)}, {so:Array(String)}, {ri:Array(String)})) AS z))`;

/** The stored exports of the batch's buckets, with the sum of their signs: 1 live, 0 cancelled but not yet removed. */
const STORED_SQL = `
  SELECT toString(provider) AS provider, api_key_id, toString(event_time) AS event_time, bucket_key, natural_key,
         toString(source_topic) AS source_topic, toString(source_partition) AS source_partition, toString(source_offset) AS source_offset,
         toString(record_index) AS record_index, sum(sign) AS net
  FROM provider_usage WHERE ${WHERE_BUCKET}
  GROUP BY provider, api_key_id, event_time, bucket_key, natural_key, source_topic, source_partition, source_offset, record_index`;

/** A live export again, column for column, with sign -1: the roll-ups' views subtract it. (Not aliased `sign`: WHERE would read the alias.) */
const CANCEL_SQL = `SELECT ${COLUMNS.join(', ')}, toInt8(-1) AS cancel FROM provider_usage WHERE sign = 1 AND ${WHERE_EXPORT}`;

const DELETE_SQL = `DELETE FROM provider_usage WHERE ${WHERE_EXPORT}`;

const bucketOf = (r: Pick<Located, 'provider' | 'api_key_id' | 'event_time' | 'bucket_key'>) => JSON.stringify([r.provider, r.api_key_id, r.event_time, r.bucket_key]);
const coordinateOf = (r: Located) => JSON.stringify([r.source_topic, r.source_partition, r.source_offset, r.record_index]);

function params(rows: readonly Located[], withExport: boolean): Record<string, string[]> {
  const out: Record<string, string[]> = {
    p: rows.map((r) => r.provider), k: rows.map((r) => r.api_key_id), t: rows.map((r) => r.event_time), b: rows.map((r) => r.bucket_key),
  };
  if (withExport) {
    Object.assign(out, {
      n: rows.map((r) => r.natural_key), st: rows.map((r) => r.source_topic), sp: rows.map((r) => r.source_partition),
      so: rows.map((r) => r.source_offset), ri: rows.map((r) => r.record_index),
    });
  }
  return out;
}

/**
 * The newest export of a usage or cost bucket wins (0029_billing_restatements.sql). Runs in the
 * sink after the natural-key filter, under the same per-table lock, before the batch's rows are
 * inserted: "newest" is the order in which the pipeline stores them, the only order every export
 * carries (a report page names no export time).
 *
 * 1. In the batch, the last row of each bucket is kept and earlier ones are dropped.
 * 2. Stored exports of the batch's buckets, other than the batch's own first attempt (its
 *    coordinates, after a crash), are cancelled and removed: a live one (sum of sign 1) is written
 *    again with sign -1 under a deduplication token naming it, then it and its cancel row are
 *    deleted; one already cancelled by an interrupted attempt (sum 0) is only deleted.
 * Every step finds what is left to do from the stored rows, so a retry completes an interrupted
 * one and repeats nothing.
 */
export class BucketRestatements {
  constructor(private readonly store: Store) {}

  async apply(payload: Uint8Array, token: string): Promise<Restated> {
    const rows = splitRows(payload);
    const fields = rows.map((row) => rowFields(row, COLUMNS) as unknown as Located);
    const lastOf = new Map<string, number>();
    fields.forEach((f, i) => { if (f.bucket_key !== '') lastOf.set(bucketOf(f), i); });
    if (lastOf.size === 0) return { payload, rows: rows.length, superseded: 0 };
    const keep = rows.map((_, i) => { const f = fields[i] as Located; return f.bucket_key === '' || lastOf.get(bucketOf(f)) === i; });
    const kept = fields.filter((_, i) => keep[i]);
    const own = new Set(kept.map(coordinateOf));
    const stored = await this.storedExports([...lastOf.values()].map((i) => fields[i] as Located));
    const others = stored.filter((s) => !own.has(coordinateOf(s)));
    const live = others.filter((s) => s.net > 0);
    if (live.length > 0) await this.cancel(live, token);
    if (others.length > 0) await this.store.client.command({ query: DELETE_SQL, query_params: params(others, true) });
    const droppedInBatch = rows.length - kept.length;
    const out = droppedInBatch === 0 ? payload : joinRows(rows.filter((_, i) => keep[i]));
    return { payload: out, rows: kept.length, superseded: droppedInBatch + live.length };
  }

  private async storedExports(buckets: readonly Located[]): Promise<StoredExport[]> {
    return selectRows<StoredExport>(this.store, STORED_SQL, params(buckets, false));
  }

  private async cancel(live: readonly StoredExport[], token: string): Promise<void> {
    const res = await this.store.client.query({ query: CANCEL_SQL, query_params: params(live, true), format: 'TabSeparated' });
    const tsv = Buffer.from(await res.text(), 'utf8');
    const names = createHash('sha256').update(live.map(coordinateOf).sort().join('\n')).digest('hex').slice(0, 16);
    await this.store.insertTsv('provider_usage', [...COLUMNS, 'sign'], tsv, `${token}/superseded/${names}`);
  }
}
