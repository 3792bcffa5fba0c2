import { decodeContext, decodeMessage } from '../../src/decode/message.ts';
import { SOURCE_KINDS, type SourceKind } from '../../src/decode/types.ts';
import { DATA_TABLES, type DataTable } from '../../src/normalize/rows.ts';
import { simulatedRecords } from '../../src/simulate/planner.ts';

/**
 * The fault matrix's traffic: the shared simulator's records (src/simulate) over a fixed span of
 * simulated hours, as Kafka message values per source, and the rows they must become — counted
 * by running each message through the same decoders the consumer uses. A case proves "zero lost,
 * zero duplicated" by comparing the store with these counts.
 */
const HOUR = 3_600_000;
/** Fixed simulated start: the traffic is the same on every run and every day (ingest keeps rows 400 days from ingested_at). */
export const TRAFFIC_START = Date.parse('2026-10-20T00:00:00Z');

export interface FaultTraffic {
  messages: Record<SourceKind, Buffer[]>;
  total: number;
  /** Rows each data table must hold once every message is stored. */
  expectedRows: Record<DataTable, number>;
}

export function faultTraffic(opts: { hours: number; messagesPerHour: number; seed: number }): FaultTraffic {
  const records = simulatedRecords({
    start: TRAFFIC_START, end: TRAFFIC_START + opts.hours * HOUR, messagesPerHour: opts.messagesPerHour, seed: opts.seed, incidentsPerHour: 1,
  });
  const messages = Object.fromEntries(SOURCE_KINDS.map((s) => [s, [] as Buffer[]])) as Record<SourceKind, Buffer[]>;
  for (const r of records) messages[r.source].push(Buffer.from(JSON.stringify(r.doc)));
  return { messages, total: records.length, expectedRows: expectedRows(messages) };
}

/** The records the decoders make of these messages, as the consumer decodes them (a reject throws: the case fails loudly). */
export function* decodedRecords(messages: Record<SourceKind, Buffer[]>): Generator<{ table: DataTable; row: object }> {
  const ctx = decodeContext(false, 24 * HOUR);
  for (const source of SOURCE_KINDS) {
    for (const value of messages[source]) {
      const out = decodeMessage(source, value, ctx, { maxMessageBytes: 1 << 20 });
      if (out.rejects.length > 0) throw new Error(`simulated ${source} message rejected: ${out.rejects[0]?.reason} ${out.rejects[0]?.detail}`);
      yield* out.records;
    }
  }
}

/** Rows per table the decoders make of these messages. */
export function expectedRows(messages: Record<SourceKind, Buffer[]>): Record<DataTable, number> {
  const rows = Object.fromEntries(DATA_TABLES.map((t) => [t, 0])) as Record<DataTable, number>;
  for (const r of decodedRecords(messages)) rows[r.table] += 1;
  return rows;
}
