import { parentPort, workerData } from 'node:worker_threads';
import { decodeSegment, type SegmentRequest, type SegmentResult } from './segment.ts';
import { unpack } from './decode-pool.ts';
import { nameThisThread } from './thread-name.ts';

/** Worker side of DecodePool: decode and encode segments, send the TSV bytes back without copying. */
interface Envelope {
  id: number;
  request: SegmentRequest;
  packed: ArrayBuffer;
  lengths: Int32Array;
}

nameThisThread(`dw-decode-${(workerData as { index?: number } | null)?.index ?? 0}`);

parentPort?.on('message', ({ id, request, packed, lengths }: Envelope) => {
  try {
    const result: SegmentResult = decodeSegment({ ...request, values: unpack(packed, lengths) });
    for (const t of Object.values(result.tables)) {
      // Small Buffers share Node's allocation pool: transfer only a buffer that is wholly ours.
      if (t.tsv.byteOffset !== 0 || t.tsv.byteLength !== t.tsv.buffer.byteLength) t.tsv = new Uint8Array(t.tsv);
    }
    const transfer = Object.values(result.tables).map((t) => t.tsv.buffer as ArrayBuffer);
    parentPort?.postMessage({ id, result }, transfer);
  } catch (err) {
    // decodeSegment never throws for bad input; reaching here is a bug, reported with its stack.
    parentPort?.postMessage({ id, error: (err as Error).stack ?? String(err) });
  }
});
