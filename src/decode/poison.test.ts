import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeMessage } from './message.ts';
import { DECODERS } from './registry.ts';
import type { DecodeContext, FormatDecoder } from './types.ts';
import { decodeSegment } from '../ingest/segment.ts';
import { MAX_JSON_DEPTH } from './depth.ts';

/** Issue 9 item 2 at the decoding edge: each kind of hostile record is one reject with its reason. */

// Pinned, so no case depends on today's date: the samples are from 2026-08.
const ctx: DecodeContext = { storePromptText: false, maxEventTime: Date.parse('2026-12-01T00:00:00Z') };
const limits = { maxMessageBytes: 4 * 1024 * 1024 };
const sample = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/samples/${name}.json`, import.meta.url), 'utf8')) as Record<string, any>;
const bytes = (doc: unknown) => Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc));
const decode = (source: 'gateway' | 'agent' | 'billing', doc: unknown) => decodeMessage(source, bytes(doc), ctx, limits);

const original = { ...DECODERS };
afterEach(() => {
  Object.assign(DECODERS, original);
});

describe('numbers outside their bounds are out_of_range, naming the field', () => {
  const spend = sample('litellm-spend-log');
  it.each([
    ['prompt_tokens', 1e21],
    ['prompt_tokens', 1e20],
    ['completion_tokens', -1],
    ['request_duration_ms', 1e10],
    ['spend', 1e12],
  ])('LiteLLM %s: %d', (field, value) => {
    const out = decode('gateway', { ...spend, [field]: value });
    expect(out.records).toEqual([]);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]).toMatchObject({ reason: 'out_of_range', format: 'litellm.spend_log' });
    expect(out.rejects[0]?.detail).toMatch(new RegExp(`^${field}: out of range`));
  });

  it('keeps the in-range sample and a value at the bound', () => {
    expect(decode('gateway', spend).records).toHaveLength(1);
    expect(decode('gateway', { ...spend, request_duration_ms: 4_294_967_295 }).records).toHaveLength(1);
  });

  it('a type error stays a schema_violation', () => {
    expect(decode('gateway', { ...spend, prompt_tokens: 'lots' }).rejects[0]?.reason).toBe('schema_violation');
  });

  it('Kong latencies and token counts', () => {
    const kong = sample('kong-ai');
    const out = decode('gateway', { ...kong, latencies: { ...kong['latencies'], request: 1e10 } });
    expect(out.rejects[0]).toMatchObject({ reason: 'out_of_range' });
    expect(out.rejects[0]?.detail).toMatch(/latencies\.request/);
  });

  it('OTel attributes sent as numeric strings are checked by value', () => {
    const flat = sample('claude-code-flat');
    const out = decode('agent', { ...flat, attributes: { ...flat['attributes'], input_tokens: '1e21' } });
    expect(out.rejects[0]).toMatchObject({ reason: 'out_of_range' });
    expect(out.rejects[0]?.detail).toMatch(/input_tokens/);
    const ms = decode('agent', { ...flat, attributes: { ...flat['attributes'], duration_ms: 1e10 } });
    expect(ms.rejects[0]?.detail).toMatch(/duration_ms: out of range/);
  });

  it('OpenAI token counts and Anthropic cents', () => {
    const usage = sample('openai-usage');
    const bucket = usage['data'][0];
    const out = decode('billing', { ...usage, data: [{ ...bucket, results: [{ ...bucket.results[0], input_tokens: 1e20 }] }] });
    expect(out.rejects.map((r) => r.reason)).toContain('out_of_range');
  });
});

describe('nesting', () => {
  it(`rejects a record deeper than ${MAX_JSON_DEPTH} levels as too_deep, without parsing it`, () => {
    const deep = `{"request_id":"x","metadata":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const out = decodeMessage('gateway', bytes(deep), ctx, limits);
    expect(out.records).toEqual([]);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]).toMatchObject({ reason: 'too_deep', rawBytes: Buffer.byteLength(deep) });
    // A bounded prefix, never the 200 KB of brackets (how it is redacted is reject-evidence.ts's business).
    expect(out.rejects[0]!.raw.length).toBeLessThan(4096);
  });

  it('decodes a record nested within the limit', () => {
    const spend = sample('litellm-spend-log');
    let deep: unknown = 'leaf';
    for (let i = 0; i < MAX_JSON_DEPTH - 4; i++) deep = { d: deep };
    expect(decode('gateway', { ...spend, metadata: { ...spend['metadata'], deep } }).records).toHaveLength(1);
  });
});

describe('a decoder that throws', () => {
  const throwing: FormatDecoder = {
    format: 'test.throwing', source: 'gateway', matches: (doc) => (doc as { boom?: unknown }).boom === true,
    decode: () => {
      throw new TypeError('cannot read properties of undefined');
    },
  };

  it('costs its record only, as decode_error', () => {
    DECODERS.gateway = [throwing, ...original.gateway];
    const spend = sample('litellm-spend-log');
    const out = decodeMessage('gateway', bytes([spend, { boom: true }, spend]), ctx, limits);
    expect(out.records).toHaveLength(2);
    expect(out.rejects).toEqual([expect.objectContaining({ reason: 'decode_error', format: 'test.throwing', recordIndex: 1 })]);
    expect(out.rejects[0]?.detail).toMatch(/cannot read properties/);
  });
});

describe('the encoder as second line of defence', () => {
  const unbounded: FormatDecoder = {
    format: 'test.unbounded', source: 'gateway', matches: (doc) => (doc as { unbounded?: unknown }).unbounded === true,
    decode: (doc, c) => {
      const out = original.gateway.find((d) => d.format === 'litellm.spend_log')!.decode(sample('litellm-spend-log'), c);
      for (const r of out.records) (r.row as { output_tokens: number }).output_tokens = (doc as { tokens: number }).tokens;
      return out;
    },
  };

  it('a number a decoder let through but its column cannot hold is an out_of_range reject; its neighbours are encoded', () => {
    DECODERS.gateway = [unbounded, ...original.gateway];
    const spend = bytes(sample('litellm-spend-log'));
    const result = decodeSegment({
      source: 'gateway', topic: 't', partition: 0, offsets: ['0', '1', '2', '3'],
      values: [spend, bytes({ unbounded: true, tokens: 1e21 }), bytes({ unbounded: true, tokens: -5 }), spend],
      storePromptText: false, maxFutureSkewMs: 0, maxMessageBytes: limits.maxMessageBytes,
    });
    expect(result.rejects.map((r) => [r.offset, r.reason])).toEqual([['1', 'out_of_range'], ['2', 'out_of_range']]);
    expect(result.rejects[0]?.detail).toMatch(/^output_tokens: 1e\+21 is outside/);
    const tsv = Buffer.from(result.tables.gateway_requests!.tsv).toString('utf8');
    expect(result.tables.gateway_requests!.rows).toBe(2);
    expect(tsv.split('\n').filter(Boolean)).toHaveLength(2);
    expect(tsv).not.toMatch(/e\+21/);
  });
});
