import { describe, expect, it } from 'vitest';
import type { DecodeOutput } from '../types.ts';
import { CTX, claimedSamples, loadSample, onlyRow, rowsOf } from '../test-support.ts';
import { openAiUsageDecoder as decoder } from './openai-usage.ts';

const rows = (out: DecodeOutput) => rowsOf(out, 'provider_usage');

const HOUR = 3600;
const result = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...loadSample('openai-usage').data[0].results[0],
  ...overrides,
});
const bucket = (start: number, results: unknown[]): Record<string, unknown> => ({
  object: 'bucket',
  start_time: start,
  end_time: start + HOUR,
  results,
});
const page = (buckets: unknown[]) => ({ object: 'page', data: buckets, has_more: false, next_page: null });

describe('openai.usage', () => {
  it('normalises the formats.md sample', () => {
    const out = decoder.decode(loadSample('openai-usage'), CTX);
    const { raw, ...row } = onlyRow(out, 'provider_usage');
    expect(out.records[0]!.format).toBe('openai.usage');
    expect(row).toEqual({
      event_time: '2026-08-19 13:00:00.000',
      bucket_end: '2026-08-19 14:00:00.000',
      format: 'openai.usage',
      provider: 'openai',
      kind: 'usage',
      api_key_id: 'key_abc',
      workspace_id: 'proj_abc',
      account_id: '',
      user_email: '',
      principal: '',
      team_id: '',
      session_id: '',
      request_id: '',
      model: 'gpt-5-codex',
      service_tier: '',
      line_item: '',
      uncached_input_tokens: 62340,
      cache_read_tokens: 120000,
      cache_write_tokens: 0,
      output_tokens: 9120,
      request_count: 57,
      cost_usd: 0,
      metrics: {},
      prompt_logged: 0,
      bucket_key: expect.stringMatching(/^openai\/usage\/[0-9a-f]{32}$/),
    });
    // The kept evidence is the result together with its bucket bounds.
    expect(JSON.parse(raw)).toMatchObject({
      start_time: 1787144400,
      end_time: 1787148000,
      object: 'organization.usage.completions.result',
      input_tokens: 182340,
    });
  });

  it('derives uncached input when input_uncached_tokens is absent (input_tokens includes cache)', () => {
    const { input_uncached_tokens: _drop, ...old } = result({ input_cache_write_tokens: 340 });
    const [row] = rows(decoder.decode(page([bucket(1787144400, [old])]), CTX));
    expect(row).toMatchObject({ uncached_input_tokens: 182340 - 120000 - 340, cache_read_tokens: 120000, cache_write_tokens: 340 });

    const { input_uncached_tokens: _d, ...odd } = result({ input_tokens: 10, input_cached_tokens: 50 });
    const [clamped] = rows(decoder.decode(page([bucket(1787144400, [odd])]), CTX));
    expect(clamped!.uncached_input_tokens).toBe(0);
  });

  it('emits one record per result across buckets', () => {
    const buckets = [0, 1, 2].map((h) =>
      bucket(1787144400 + h * HOUR, [result({ model: 'gpt-5' }), result({ api_key_id: `key_${h}`, user_id: 'user-abc' })]),
    );
    const out = decoder.decode(page(buckets), CTX);
    expect(out.rejects).toEqual([]);
    expect(out.records).toHaveLength(6);
    expect(rows(out).map((r) => r.event_time)).toEqual([
      '2026-08-19 13:00:00.000', '2026-08-19 13:00:00.000',
      '2026-08-19 14:00:00.000', '2026-08-19 14:00:00.000',
      '2026-08-19 15:00:00.000', '2026-08-19 15:00:00.000',
    ]);
    expect(rows(out)[5]).toMatchObject({ api_key_id: 'key_2', account_id: 'user-abc', bucket_end: '2026-08-19 16:00:00.000' });
  });

  it('rejects one invalid result and keeps its siblings', () => {
    const bad = result({ input_tokens: '182340' });
    const out = decoder.decode(page([bucket(1787144400, [result(), bad, result()])]), CTX);
    expect(out.records).toHaveLength(2);
    expect(out.rejects).toHaveLength(1);
    const [reject] = out.rejects;
    expect(reject).toMatchObject({ reason: 'schema_violation', format: 'openai.usage' });
    expect(reject!.detail).toContain('data[0].results[1].input_tokens');
    expect(JSON.parse(reject!.raw)).toMatchObject({ start_time: 1787144400, end_time: 1787148000, input_tokens: '182340' });
  });

  it('rejects a bucket with implausible times without touching the other buckets', () => {
    const out = decoder.decode(page([bucket(1787144400, [result()]), bucket(17871444, [result()])]), CTX);
    expect(out.records).toHaveLength(1);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]!.detail).toMatch(/^data\[1\]: .*plausible range/);
  });

  it('accepts a single bucket and a bare result carrying its own bounds', () => {
    expect(rows(decoder.decode(bucket(1787144400, [result(), result()]), CTX))).toHaveLength(2);
    const bare = result({ start_time: 1787144400, end_time: 1787148000 });
    const [row] = rows(decoder.decode(bare, CTX));
    expect(row).toMatchObject({ event_time: '2026-08-19 13:00:00.000', bucket_end: '2026-08-19 14:00:00.000' });
  });

  it('rejects a bare result without bucket bounds, saying why', () => {
    const out = decoder.decode(result(), CTX);
    expect(out.records).toEqual([]);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]!.detail).toMatch(/bare organization\.usage\.completions\.result.*start_time/);
  });

  it('turns a broken envelope into one reject and never throws', () => {
    expect(decoder.matches({ object: 'page', data: 'nope' })).toBe(true);
    const broken = decoder.decode({ object: 'page', data: 'nope' }, CTX);
    expect(broken.rejects).toHaveLength(1);
    expect(broken.rejects[0]!.detail).toContain('data');
    for (const doc of [null, 42, 'x', [], { object: 'bucket', start_time: 'now', results: [] }]) {
      const out = decoder.decode(doc, CTX);
      expect(out.records).toEqual([]);
      expect(out.rejects).toHaveLength(1);
    }
  });

  it('claims an OpenAI page without results and yields nothing', () => {
    const empty = page([bucket(1787144400, []), bucket(1787148000, [])]);
    expect(decoder.matches(empty)).toBe(true);
    expect(decoder.decode(empty, CTX)).toEqual({ records: [], rejects: [] });
  });

  it('sniffs past empty leading buckets', () => {
    expect(decoder.matches(page([bucket(1787144400, []), bucket(1787148000, [result()])]))).toBe(true);
    const costs = loadSample('openai-costs');
    expect(decoder.matches(page([bucket(1787144400, []), ...costs.data]))).toBe(false);
  });

  it('does not match the other billing samples', () => {
    expect(claimedSamples(decoder)).toEqual(['openai-usage']);
  });
});
