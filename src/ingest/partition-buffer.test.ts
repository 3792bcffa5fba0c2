import { describe, expect, it } from 'vitest';
import { PartitionBuffer } from './partition-buffer.ts';
import { splitIntoSegments } from './segmenter.ts';
import type { SegmentResult } from './segment.ts';

const LIMITS = { maxBatchRows: 100, maxBatchBytes: 1 << 20, maxBatchAgeMs: 60_000 };

/** A decoded segment of `n` messages from `first`, one gateway row each. */
function segment(first: number, n: number): SegmentResult {
  return {
    firstOffset: String(first), lastOffset: String(first + n - 1), messageCount: n, payloadBytes: n * 10,
    tables: { gateway_requests: { tsv: new Uint8Array(n), rows: n } }, rejects: [],
    counts: { accepted: n, rejected: 0, byFormat: {}, rejectReasons: {} },
  };
}

describe('PartitionBuffer', () => {
  it('flushes by rows, and a batch covers exactly the offsets it holds', () => {
    const buf = new PartitionBuffer('gateway', 't', 0, LIMITS);
    buf.add(segment(0, 60));
    expect(buf.isReady()).toBe(false);
    buf.add(segment(60, 40));
    expect(buf.isReady()).toBe(true);
    const batch = buf.take();
    expect([batch?.firstOffset, batch?.lastOffset, batch?.rowCount, batch?.tables.gateway_requests?.length]).toEqual(['0', '99', 100, 2]);
    expect(buf.isEmpty).toBe(true);
  });

  it('flushes by age', () => {
    const buf = new PartitionBuffer('gateway', 't', 0, LIMITS);
    buf.add(segment(0, 1));
    expect(buf.isReady(Date.now() + 59_000)).toBe(false);
    expect(buf.isReady(Date.now() + 61_000)).toBe(true);
  });

  it('re-forms recorded ranges exactly, ignoring size limits, so replays carry the same token', () => {
    const buf = new PartitionBuffer('gateway', 't', 3, LIMITS);
    const ledger = [{ topic: 't', partition: 3, firstOffset: '10', lastOffset: '249' }, { topic: 't', partition: 3, firstOffset: '250', lastOffset: '260' }];
    buf.setForcedRanges(ledger);
    // Messages 0..9 predate the first recorded range: a batch of their own.
    buf.add(segment(0, 10));
    expect(buf.mustFlushBefore('10')).toBe(true);
    expect([buf.take()?.firstOffset, '9']).toEqual(['0', '9']);
    // 240 rows would pass maxBatchRows (100) but the recorded range is 10..249.
    buf.add(segment(10, 150));
    expect(buf.isReady()).toBe(false);
    buf.add(segment(160, 90));
    expect(buf.isReady()).toBe(true);
    const first = buf.take();
    expect([first?.firstOffset, first?.lastOffset]).toEqual(['10', '249']);
    // An offset gap (e.g. a transaction marker) inside a recorded range keeps the recorded bounds.
    buf.add(segment(250, 5));
    expect(buf.mustFlushBefore('261')).toBe(true);
    const second = buf.take();
    expect([second?.firstOffset, second?.lastOffset]).toEqual(['250', '260']);
    // Past the ledger: ordinary limits again.
    buf.add(segment(261, 100));
    expect(buf.isReady()).toBe(true);
  });

  it('forgets everything on discard, including recorded ranges', () => {
    const buf = new PartitionBuffer('gateway', 't', 0, LIMITS);
    buf.setForcedRanges([{ topic: 't', partition: 0, firstOffset: '0', lastOffset: '999' }]);
    buf.add(segment(0, 5));
    buf.discard();
    expect(buf.isEmpty).toBe(true);
    expect(buf.segmentBreaks()).toEqual([]);
  });
});

describe('splitIntoSegments', () => {
  const msgs = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ offset: String(from + i) }));
  it('caps segment size', () => {
    expect(splitIntoSegments(msgs(0, 25), [], 10).map((s) => s.length)).toEqual([10, 10, 5]);
  });
  it('starts a new segment at every break offset, also across gaps', () => {
    const withGap = [...msgs(0, 5), ...msgs(7, 12)];
    const segments = splitIntoSegments(withGap, [3n, 6n], 100);
    expect(segments.map((s) => [s[0]?.offset, s[s.length - 1]?.offset])).toEqual([['0', '2'], ['3', '4'], ['7', '11']]);
  });
});
