/**
 * bench:store's input: the same messages cut into batches of B per source, written as the TSV
 * files the sink would insert (driftwatch's tables) or as one raw-string column (the reference).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSegment } from '../src/ingest/segment.ts';
import { escapeField } from '../src/store/tsv-builder.ts';
import type { SourceKind } from '../src/decode/types.ts';
import { ownCpuSeconds } from './thread-cpu.ts';

export const RAW_ONLY_TABLE = 'raw_messages';

export interface EncodedBatches {
  dir: string;
  /** Normalised records (driftwatch) or messages (raw-only). */
  rows: number;
  /** Decoding and encoding, one thread, GC included (driftwatch only). */
  decodeCpuSeconds: number;
}

function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}


/** driftwatch's inserts: each batch decoded as one partition's flush, one file per table. */
export function writeDriftwatchBatches(bySource: Map<SourceKind, Buffer[]>, batch: number, dir: string): EncodedBatches {
  mkdirSync(dir, { recursive: true });
  let seq = 0;
  let rows = 0;
  let decodeCpuSeconds = 0;
  for (const [source, messages] of bySource) {
    let offset = 0;
    for (const values of batchesOf(messages, batch)) {
      const c0 = ownCpuSeconds();
      const seg = decodeSegment({
        source, topic: `bench.${source}`, partition: 0, offsets: values.map((_, i) => String(offset + i)), values,
        storePromptText: false, maxFutureSkewMs: 3_600_000, maxMessageBytes: 1 << 20,
      });
      decodeCpuSeconds += ownCpuSeconds() - c0;
      offset += values.length;
      const n = String(seq++).padStart(6, '0');
      for (const [table, encoded] of Object.entries(seg.tables)) {
        if (!encoded) continue;
        writeFileSync(join(dir, `${n}.${table}.tsv`), encoded.tsv);
        rows += encoded.rows;
      }
    }
  }
  return { dir, rows, decodeCpuSeconds };
}

/** The reference's inserts: the same batches, each message as it came, in one String column. */
export function writeRawOnlyBatches(bySource: Map<SourceKind, Buffer[]>, batch: number, dir: string): EncodedBatches {
  mkdirSync(dir, { recursive: true });
  let seq = 0;
  let rows = 0;
  for (const messages of bySource.values()) {
    for (const values of batchesOf(messages, batch)) {
      const tsv = values.map((v) => `${escapeField(v.toString('utf8'))}\n`).join('');
      writeFileSync(join(dir, `${String(seq++).padStart(6, '0')}.${RAW_ONLY_TABLE}.tsv`), tsv);
      rows += values.length;
    }
  }
  return { dir, rows, decodeCpuSeconds: 0 };
}
