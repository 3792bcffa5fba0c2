import type { Store } from '../store/store.ts';
import { AppError, errorMessage } from '../errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { DATA_TABLES, type DataTable, type IngestRejectRow } from '../normalize/rows.ts';
import type { SourceKind } from '../decode/types.ts';
import { BatchLedger } from './batch-ledger.ts';
import { dedupToken, rangeLabel, type FlushBatch } from './batch.ts';
import type { EncodedTable } from './segment.ts';
import { TABLE_COLUMNS } from '../normalize/columns.ts';
import { encodeTsv } from '../store/tsv.ts';
import { classifyInsertError } from '../store/insert-errors.ts';
import { joinRows, rowFields, splitRows } from './tsv-rows.ts';
import { batchesInFlight, ingestDuplicatesDropped, ingestExportsSuperseded, ingestRowsWithoutNaturalKey, insertLatency } from '../telemetry/metrics.ts';
import { hasNaturalKey } from '../normalize/natural-key.ts';
import { NaturalKeyFilter } from './natural-key-filter.ts';
import { BucketRestatements } from './restatements.ts';

export interface SinkOptions {
  /** Attempts per insert for a retriable error before CH_INSERT_FAILED: the consumer sets 1 (it retries the whole batch with its partition paused), replay keeps the default. */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** Write the ledger row first (Kafka ingest); replay of files has no offsets to protect. */
  useLedger?: boolean;
}

export interface SinkStats {
  rowsInserted: number;
  rejectsInserted: number;
  batches: number;
  /** Rows ClickHouse refused, moved to ingest_rejects as `insert_refused`. */
  rowsRefused: number;
  /** Rows not inserted because their natural key is already stored (a record produced again). */
  duplicatesDropped: number;
  /** Rows stored without a natural key: they cannot be deduplicated. */
  rowsWithoutKey: number;
  /** Usage and cost exports replaced by a newer export of their bucket (restatements.ts). */
  exportsSuperseded: number;
}

/** The source whose rows a table holds, for the rejects' `source` column. */
const TABLE_SOURCE: Record<DataTable, SourceKind> = {
  gateway_requests: 'gateway', provider_usage: 'billing', idp_events: 'idp', agent_events: 'agent',
  provider_keys: 'billing',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An insert ClickHouse refused because of the data; carries the engine's message. */
function rejectedInsert(table: string, label: string, err: unknown): AppError {
  return new AppError('CH_INSERT_REJECTED', `ClickHouse refused rows of ${table} for ${label}: ${errorMessage(err)}`,
    { table, range: label }, false, { cause: err });
}

/**
 * ClickHouse sink. Writes one FlushBatch: ledger row, then each table's rows, then rejects, each
 * insert with the batch's deterministic deduplication token. Idempotent: writing the same batch
 * twice stores its rows once.
 *
 * A table's insert that ClickHouse refuses for its data (insert-errors.ts: poison) is split in
 * halves until the refused rows stand alone; those go to ingest_rejects with the engine's message
 * and their origin, the rest is stored, and the batch completes so its offsets are committed.
 * Each half's token is the table's token plus its row range: the split depends only on the
 * batch's rows, so a retry after a crash re-forms the same halves with the same tokens.
 */
export class ClickHouseSink {
  readonly stats: SinkStats = { rowsInserted: 0, rejectsInserted: 0, batches: 0, rowsRefused: 0, duplicatesDropped: 0, rowsWithoutKey: 0, exportsSuperseded: 0 };
  /** The write-ahead ledger this sink records to; the consumer reads pending ranges from it. */
  readonly ledger: BatchLedger;
  private readonly keys: NaturalKeyFilter;
  private readonly restatements: BucketRestatements;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: SinkOptions = {},
  ) {
    this.ledger = new BatchLedger(store);
    this.keys = new NaturalKeyFilter(store);
    this.restatements = new BucketRestatements(store);
  }

  async write(batch: FlushBatch): Promise<void> {
    batchesInFlight.inc();
    try {
      await this.writeBatch(batch);
    } finally {
      batchesInFlight.dec();
    }
  }

  private async writeBatch(batch: FlushBatch): Promise<void> {
    if (this.options.useLedger ?? true) await this.withRetry(batch, 'ingest_batches', () => this.ledger.record(batch));
    const refused: IngestRejectRow[] = [];
    for (const table of DATA_TABLES) {
      const parts = batch.tables[table];
      if (!parts || parts.length === 0) continue;
      const payload = parts.length === 1 ? (parts[0] as EncodedTable).tsv : Buffer.concat(parts.map((p) => p.tsv));
      if (!hasNaturalKey(table)) {
        await this.insertTable(batch, table, payload, parts.reduce((n, p) => n + p.rows, 0), refused);
        continue;
      }
      // Look-up and insert under one lock per table: see NaturalKeyFilter.
      await this.keys.exclusive(table, async () => {
        const unique = await this.withRetry(batch, table, () => this.keys.unique(batch, table, parts, payload));
        this.countKeys(batch, table, unique.duplicates, unique.keyless);
        const rows = table === 'provider_usage' ? await this.restate(batch, unique.payload) : unique;
        await this.insertTable(batch, table, rows.payload, rows.rows, refused);
      });
    }
    const rejects = refused.length === 0 ? batch.rejects : [...batch.rejects, ...refused];
    if (rejects.length > 0) {
      const payload = encodeTsv(rejects, TABLE_COLUMNS.ingest_rejects);
      await this.insert(batch, 'ingest_rejects', payload, dedupToken(batch, 'ingest_rejects'));
      this.stats.rejectsInserted += rejects.length;
    }
    this.stats.batches += 1;
  }

  /** One table's rows of the batch; rows ClickHouse refuses are isolated into `refused`. */
  private async insertTable(batch: FlushBatch, table: DataTable, payload: Uint8Array, rows: number, refused: IngestRejectRow[]): Promise<void> {
    if (rows === 0) return;
    const stopTimer = insertLatency.startTimer({ table });
    try {
      await this.insert(batch, table, payload, dedupToken(batch, table));
      stopTimer();
      this.stats.rowsInserted += rows;
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'CH_INSERT_REJECTED') throw err;
      this.log.warn({ table, range: rangeLabel(batch), rows, err: errorMessage(err.cause) }, 'ClickHouse refused a batch, isolating the refused rows');
      await this.isolate(batch, table, splitRows(payload), 0, dedupToken(batch, table), refused);
    }
  }

  /** A newer export of a stored bucket replaces it (0029_billing_restatements.sql). */
  private async restate(batch: FlushBatch, payload: Uint8Array): Promise<{ payload: Uint8Array; rows: number }> {
    const restated = await this.withRetry(batch, 'provider_usage', () => this.restatements.apply(payload, dedupToken(batch, 'provider_usage')));
    if (restated.superseded > 0) {
      this.stats.exportsSuperseded += restated.superseded;
      ingestExportsSuperseded.inc(restated.superseded);
      this.log.info({ range: rangeLabel(batch), superseded: restated.superseded }, 'Usage or cost buckets exported again: the newer export replaces the older');
    }
    return restated;
  }

  private countKeys(batch: FlushBatch, table: DataTable, duplicates: number, keyless: number): void {
    this.stats.rowsWithoutKey += keyless;
    if (keyless > 0) ingestRowsWithoutNaturalKey.inc({ table }, keyless);
    if (duplicates === 0) return;
    this.stats.duplicatesDropped += duplicates;
    ingestDuplicatesDropped.inc({ table }, duplicates);
    this.log.info({ table, range: rangeLabel(batch), duplicates }, 'Dropped records already stored under the same natural key');
  }

  /**
   * Inserts `rows` (rows [first, first + rows.length) of the table's part of the batch), or, if
   * ClickHouse refuses them, each half on its own; a single refused row becomes a reject.
   */
  private async isolate(batch: FlushBatch, table: DataTable, rows: Uint8Array[], first: number, parentToken: string, refused: IngestRejectRow[]): Promise<void> {
    const mid = Math.ceil(rows.length / 2);
    for (const [lo, part] of [[0, rows.slice(0, mid)], [mid, rows.slice(mid)]] as const) {
      if (part.length === 0) continue;
      const token = `${parentToken}/rows:${first + lo}-${first + lo + part.length - 1}`;
      try {
        await this.insert(batch, table, joinRows(part), token);
        this.stats.rowsInserted += part.length;
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'CH_INSERT_REJECTED') throw err;
        if (part.length > 1) {
          await this.isolate(batch, table, part, first + lo, parentToken, refused);
        } else {
          refused.push(this.refusedRow(batch, table, part[0] as Uint8Array, err));
          this.stats.rowsRefused += 1;
        }
      }
    }
  }

  private refusedRow(batch: FlushBatch, table: DataTable, row: Uint8Array, err: AppError): IngestRejectRow {
    const f = rowFields(row, TABLE_COLUMNS[table]);
    const raw = f['raw'] ?? '';
    const offset = /^\d+$/.test(f['source_offset'] ?? '') ? (f['source_offset'] as string) : batch.firstOffset;
    const recordIndex = Number(f['record_index']);
    return {
      source: TABLE_SOURCE[table], topic: batch.topic, partition: batch.partition, offset, record_index: Number.isInteger(recordIndex) ? recordIndex : 0,
      reason: 'insert_refused', format: f['format'] ?? '', detail: errorMessage(err.cause), raw_encoding: 'utf8', raw_bytes: Buffer.byteLength(raw), raw,
    };
  }

  private insert(batch: FlushBatch, table: string, payload: Uint8Array, token: string): Promise<void> {
    return this.withRetry(batch, table, () => this.store.insertTsv(table, TABLE_COLUMNS[table as keyof typeof TABLE_COLUMNS], payload, token));
  }

  /**
   * Runs `fn` until it succeeds. A retriable error is retried with backoff (same token: if a failed
   * attempt did land, ClickHouse drops the repeat); poison becomes CH_INSERT_REJECTED at once and a
   * fatal error is rethrown at once, since neither changes on a retry.
   */
  private async withRetry<T>(batch: FlushBatch, table: string, fn: () => Promise<T>): Promise<T> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const base = this.options.baseDelayMs ?? 200;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const kind = classifyInsertError(err);
        if (kind === 'poison') throw rejectedInsert(table, rangeLabel(batch), err);
        if (kind === 'fatal') throw err;
        if (attempt >= maxAttempts) {
          throw new AppError('CH_INSERT_FAILED', `insert into ${table} failed for ${rangeLabel(batch)}: ${errorMessage(err)}`,
            { table, range: rangeLabel(batch), attempts: attempt }, true, { cause: err });
        }
        this.log.warn({ table, range: rangeLabel(batch), attempt, err: errorMessage(err) }, 'Insert failed, retrying');
        await sleep(base * 2 ** (attempt - 1));
      }
    }
  }
}
