import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { decodeSegment, type SegmentRequest, type SegmentResult } from './segment.ts';

/**
 * Copies the message values into one fresh buffer that is transferred, not cloned. kafkajs values
 * are views into the whole fetch response (megabytes); posting the views would structured-clone
 * that entire response buffer for every segment.
 */
export function pack(values: readonly (Uint8Array | null)[]): { packed: ArrayBuffer; lengths: Int32Array } {
  let total = 0;
  for (const v of values) total += v?.byteLength ?? 0;
  const packed = new ArrayBuffer(total);
  const bytes = new Uint8Array(packed);
  const lengths = new Int32Array(values.length);
  let at = 0;
  values.forEach((v, i) => {
    if (v === null) {
      lengths[i] = -1;
      return;
    }
    bytes.set(v, at);
    lengths[i] = v.byteLength;
    at += v.byteLength;
  });
  return { packed, lengths };
}

/** The inverse of pack, on the worker side: views into the transferred buffer, null kept as null. */
export function unpack(packed: ArrayBuffer, lengths: Int32Array): (Uint8Array | null)[] {
  const out: (Uint8Array | null)[] = new Array(lengths.length);
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const n = lengths[i] as number;
    if (n < 0) {
      out[i] = null;
      continue;
    }
    out[i] = new Uint8Array(packed, at, n);
    at += n;
  }
  return out;
}

/** Where segments are decoded: in this thread (replay, tests) or in a pool of worker threads. */
export interface SegmentDecoder {
  decode(request: SegmentRequest): Promise<SegmentResult>;
  close(): Promise<void>;
}

export const inlineDecoder: SegmentDecoder = {
  decode: (request) => Promise.resolve(decodeSegment(request)),
  close: async () => {},
};

interface Pending {
  resolve: (r: SegmentResult) => void;
  reject: (e: Error) => void;
}

/**
 * Decoding and encoding are CPU-bound JavaScript (JSON.parse, zod, TSV); the Kafka client and the
 * ClickHouse inserts are I/O. Spreading segments over worker threads lets all cores decode while
 * the main thread keeps fetching and inserting (bench:ingest has the figures).
 */
export class DecodePool implements SegmentDecoder {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly load: number[] = [];
  private nextId = 1;
  private failure: Error | undefined;

  constructor(size: number = Math.max(1, availableParallelism())) {
    const url = new URL('./decode-worker.mjs', import.meta.url);
    for (let i = 0; i < size; i++) {
      const worker = new Worker(url, { workerData: { index: i } });
      worker.on('message', (msg: { id: number; result?: SegmentResult; error?: string }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        this.load[i] = (this.load[i] ?? 1) - 1;
        if (msg.error !== undefined) p.reject(new Error(`decode worker failed: ${msg.error}`));
        else p.resolve(msg.result as SegmentResult);
      });
      worker.on('error', (err) => this.fail(err));
      worker.unref();
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  private fail(err: Error): void {
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  decode(request: SegmentRequest): Promise<SegmentResult> {
    if (this.failure) return Promise.reject(this.failure);
    // Least-loaded worker; ties go to the first, which keeps a quiet pool on one thread.
    let w = 0;
    for (let i = 1; i < this.workers.length; i++) if ((this.load[i] as number) < (this.load[w] as number)) w = i;
    const id = this.nextId++;
    this.load[w] = (this.load[w] as number) + 1;
    const { packed, lengths } = pack(request.values);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.workers[w] as Worker).postMessage({ id, request: { ...request, values: [] }, packed, lengths }, [packed]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
