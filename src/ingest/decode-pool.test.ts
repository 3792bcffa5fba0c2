import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DecodePool, inlineDecoder } from './decode-pool.ts';
import type { SegmentRequest } from './segment.ts';

const sample = (name: string) => readFileSync(new URL(`../../schemas/samples/${name}.json`, import.meta.url));
const request: SegmentRequest = {
  source: 'gateway', topic: 'driftwatch.gateway', partition: 2,
  offsets: ['10', '11', '12', '13'],
  values: [sample('litellm-spend-log'), Buffer.from('not json'), null, sample('kong-ai')],
  storePromptText: false, maxFutureSkewMs: 86_400_000, maxMessageBytes: 1 << 20,
};
const pool = new DecodePool(2);
afterAll(() => pool.close());

describe('DecodePool', () => {
  it('decodes a segment in a worker exactly as on the main thread', async () => {
    const [inWorker, inline] = await Promise.all([pool.decode(request), inlineDecoder.decode(request)]);
    expect(inWorker.counts).toEqual({ accepted: 2, rejected: 2, byFormat: { 'litellm.spend_log': 1, 'kong.ai_proxy': 1 }, rejectReasons: { invalid_json: 1, empty_message: 1 } });
    expect(Buffer.from(inWorker.tables.gateway_requests?.tsv ?? []).toString()).toBe(Buffer.from(inline.tables.gateway_requests?.tsv ?? []).toString());
    expect(inWorker.rejects.map((r) => [r.offset, r.reason, r.partition])).toEqual([['11', 'invalid_json', 2], ['12', 'empty_message', 2]]);
    expect([inWorker.firstOffset, inWorker.lastOffset, inWorker.messageCount]).toEqual(['10', '13', 4]);
  });

  it('spreads concurrent segments over its workers and keeps each answer with its request', async () => {
    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => pool.decode({ ...request, offsets: request.offsets.map((o) => String(Number(o) + i * 100)) })));
    expect(many.map((r) => r.firstOffset)).toEqual(Array.from({ length: 8 }, (_, i) => String(10 + i * 100)));
  });
});
