import { describe, expect, it } from 'vitest';
import { OrderedWriter } from './ordered-writer.ts';
import type { FlushBatch } from './batch.ts';

const batch = (partition: number, first: number): FlushBatch => ({
  topic: 't', partition, firstOffset: String(first), lastOffset: String(first + 9), tables: {}, rejects: [], rowCount: 10, messageCount: 10, payloadBytes: 100,
});

describe('OrderedWriter', () => {
  it('writes one partition strictly in order while partitions overlap, and bounds what is in flight', async () => {
    const log: string[] = [];
    let maxConcurrent = 0;
    let concurrent = 0;
    const writer = new OrderedWriter(async (b: FlushBatch) => {
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      log.push(`start ${b.partition}:${b.firstOffset}`);
      await new Promise((r) => setTimeout(r, b.partition === 0 ? 20 : 5));
      log.push(`end ${b.partition}:${b.firstOffset}`);
      concurrent -= 1;
    }, 3);
    for (let i = 0; i < 4; i++) {
      await writer.submit('p0', batch(0, i * 10));
      await writer.submit('p1', batch(1, i * 10));
    }
    await writer.drain();
    for (const p of [0, 1]) {
      const events = log.filter((l) => l.includes(` ${p}:`));
      // Each start follows the end of the previous batch of the same partition.
      expect(events).toEqual([0, 10, 20, 30].flatMap((o) => [`start ${p}:${o}`, `end ${p}:${o}`]));
    }
    expect(maxConcurrent).toBe(2);
    expect(writer.pending).toBe(0);
  });

  it('goes on in order after a failed write; refusing later batches is the consumer job', async () => {
    const done: string[] = [];
    const writer = new OrderedWriter(async (b: FlushBatch) => {
      if (b.firstOffset === '0') throw new Error('store down');
      done.push(b.firstOffset);
    }, 2);
    await writer.submit('p', batch(0, 0));
    await writer.submit('p', batch(0, 10));
    await writer.drainKey('p');
    expect(done).toEqual(['10']);
  });

  it('lets other partitions past a set-aside partition whose batches hold every slot', async () => {
    let release = () => {};
    const stuck = new Promise<void>((r) => (release = r));
    const done: string[] = [];
    const writer = new OrderedWriter(async (b: FlushBatch) => {
      if (b.partition === 0) await stuck;
      done.push(`${b.partition}:${b.firstOffset}`);
    }, 2);
    await writer.submit('p0', batch(0, 0));
    await writer.submit('p0', batch(0, 10));
    expect(writer.pending).toBe(2);
    // Both slots are taken: without setting p0 aside, this submit would wait for the stuck store.
    writer.setAsideKey('p0', true);
    await writer.submit('p1', batch(1, 0));
    await writer.drain((key) => key !== 'p0');
    expect(done).toEqual(['1:0']);
    writer.setAsideKey('p0', false);
    release();
    await writer.drain();
    expect(done).toEqual(['1:0', '0:0', '0:10']);
    expect(writer.pending).toBe(0);
  });
});
