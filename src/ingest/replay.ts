import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { SourceKind } from '../decode/types.ts';
import { decodeSegment } from './segment.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { PartitionBuffer } from './partition-buffer.ts';
import { ClickHouseSink } from './sink.ts';
import { IngestCounters } from './counters.ts';
import { readRecords } from './record-files.ts';

export interface ReplaySummary {
  accepted: number;
  rejected: number;
  byFormat: Record<string, number>;
  rejectReasons: Record<string, number>;
}

/**
 * Files through the same decoders and sink as Kafka ingest. Each file is a pseudo-partition whose
 * "offsets" are record numbers and whose topic names the file and its content hash, so replaying
 * the same file twice stores it once (same deduplication tokens).
 */
export async function replayFiles(source: SourceKind, files: string[], config: Config, store: Store, log: Logger): Promise<ReplaySummary> {
  const sink = new ClickHouseSink(store, log, { useLedger: false });
  const counters = new IngestCounters();
  const { ingest } = config;
  for (const file of files) {
    const hash = (await sha256OfFile(file)).slice(0, 16);
    const topic = `replay:${basename(file)}#${hash}`;
    const buf = new PartitionBuffer(source, topic, 0, { maxBatchRows: ingest.maxBatchRows, maxBatchBytes: ingest.maxBatchBytes, maxBatchAgeMs: Number.MAX_SAFE_INTEGER });
    let n = 0;
    let offsets: string[] = [];
    let values: Uint8Array[] = [];
    const decodeChunk = async () => {
      if (values.length === 0) return;
      const segment = decodeSegment({ source, topic, partition: 0, offsets, values, storePromptText: ingest.storePromptText,
        maxFutureSkewMs: ingest.maxFutureSkewMs, maxMessageBytes: ingest.maxMessageBytes, keepWholeRejects: ingest.keepWholeRejects });
      buf.add(segment);
      counters.recordSegment(source, segment);
      offsets = [];
      values = [];
      if (buf.isReady()) await flush(sink, buf);
    };
    for await (const rec of readRecords(file, { maxRecordBytes: ingest.maxMessageBytes })) {
      offsets.push(String(n++));
      values.push(rec.value);
      if (values.length >= 1_000) await decodeChunk();
      if (n % 100_000 === 0) log.info({ file, records: n }, 'Replay progress');
    }
    await decodeChunk();
    await flush(sink, buf);
  }
  const { accepted, rejected, byFormat, rejectReasons } = counters.snapshot();
  return { accepted, rejected, byFormat, rejectReasons };
}

async function flush(sink: ClickHouseSink, buf: PartitionBuffer): Promise<void> {
  const batch = buf.take();
  if (batch) await sink.write(batch);
}

/** Streamed, so a large replay file is never held in memory just to name it. */
async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
