import type { Store } from '../store/store.ts';
import { AppError, errorMessage } from '../errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { DATA_TABLES } from '../normalize/rows.ts';
import { BatchLedger } from './batch-ledger.ts';
import { dedupToken, rangeLabel, type FlushBatch } from './batch.ts';
import type { EncodedTable } from './segment.ts';
import { TABLE_COLUMNS } from '../normalize/columns.ts';
import { encodeTsv } from '../store/tsv.ts';
import { batchesInFlight, insertLatency } from '../telemetry/metrics.ts';

export interface SinkOptions {
  /** Attempts per insert before the error reaches the consumer (which then stops committing). */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** Write the ledger row first (Kafka ingest); replay of files has no offsets to protect. */
  useLedger?: boolean;
}

export interface SinkStats {
  rowsInserted: number;
  rejectsInserted: number;
  batches: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * ClickHouse sink. Writes one FlushBatch: ledger row, then each table's rows, then rejects, each
 * insert with the batch's deterministic deduplication token. Idempotent: writing the same batch
 * twice stores its rows once.
 */
export class ClickHouseSink {
  readonly stats: SinkStats = { rowsInserted: 0, rejectsInserted: 0, batches: 0 };
  /** The write-ahead ledger this sink records to; the consumer reads pending ranges from it. */
  readonly ledger: BatchLedger;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: SinkOptions = {},
  ) {
    this.ledger = new BatchLedger(store);
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
    for (const table of DATA_TABLES) {
      const parts = batch.tables[table];
      if (!parts || parts.length === 0) continue;
      const payload = parts.length === 1 ? (parts[0] as EncodedTable).tsv : Buffer.concat(parts.map((p) => p.tsv));
      const stopTimer = insertLatency.startTimer({ table });
      await this.withRetry(batch, table, () => this.store.insertTsv(table, TABLE_COLUMNS[table], payload, dedupToken(batch, table)));
      stopTimer();
      this.stats.rowsInserted += parts.reduce((n, p) => n + p.rows, 0);
    }
    if (batch.rejects.length > 0) {
      const payload = encodeTsv(batch.rejects, TABLE_COLUMNS.ingest_rejects);
      await this.withRetry(batch, 'ingest_rejects', () =>
        this.store.insertTsv('ingest_rejects', TABLE_COLUMNS.ingest_rejects, payload, dedupToken(batch, 'ingest_rejects')));
      this.stats.rejectsInserted += batch.rejects.length;
    }
    this.stats.batches += 1;
  }

  private async withRetry(batch: FlushBatch, table: string, fn: () => Promise<void>): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const base = this.options.baseDelayMs ?? 200;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= maxAttempts) {
          throw new AppError('CH_INSERT_FAILED', `insert into ${table} failed for ${rangeLabel(batch)}: ${errorMessage(err)}`,
            { table, range: rangeLabel(batch), attempts: attempt }, true, { cause: err });
        }
        // Same token on retry: if the failed attempt did land, ClickHouse drops the repeat.
        this.log.warn({ table, range: rangeLabel(batch), attempt, err: errorMessage(err) }, 'Insert failed, retrying');
        await sleep(base * 2 ** (attempt - 1));
      }
    }
  }
}
