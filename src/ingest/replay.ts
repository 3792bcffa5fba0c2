import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { SourceKind } from '../decode/types.ts';
import { decodeContext, decodeMessage } from '../decode/message.ts';
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
  const ctx = decodeContext(ingest.storePromptText, ingest.maxFutureSkewMs);
  for (const file of files) {
    const hash = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
    const topic = `replay:${basename(file)}#${hash}`;
    const buf = new PartitionBuffer(source, topic, 0, { maxBatchRows: ingest.maxBatchRows, maxBatchBytes: ingest.maxBatchBytes, maxBatchAgeMs: Number.MAX_SAFE_INTEGER });
    let n = 0;
    for await (const rec of readRecords(file)) {
      const decoded = decodeMessage(source, rec.value, ctx, { maxMessageBytes: ingest.maxMessageBytes });
      buf.add(String(n++), rec.value.byteLength, decoded);
      counters.record(source, decoded, rec.value.byteLength);
      if (buf.isReady()) await flush(sink, buf);
      if (n % 100_000 === 0) log.info({ file, records: n }, 'Replay progress');
    }
    await flush(sink, buf);
  }
  const { accepted, rejected, byFormat, rejectReasons } = counters.snapshot();
  return { accepted, rejected, byFormat, rejectReasons };
}

async function flush(sink: ClickHouseSink, buf: PartitionBuffer): Promise<void> {
  const batch = buf.take();
  if (batch) await sink.write(batch);
}
