import { describe, expect, it } from 'vitest';
import type { DecodeOutput } from '../types.ts';
import { CTX, claimedSamples, loadSample, onlyRow, rowsOf } from '../test-support.ts';
import { anthropicUsageDecoder as decoder } from './anthropic-usage.ts';

const rows = (out: DecodeOutput) => rowsOf(out, 'provider_usage');

const result = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...loadSample('anthropic-usage').data[0].results[0],
  ...overrides,
});
const bucket = (hour: number, results: unknown[]) => ({
  starting_at: `2026-08-19T${String(hour).padStart(2, '0')}:00:00Z`,
  ending_at: `2026-08-19T${String(hour + 1).padStart(2, '0')}:00:00Z`,
  results,
});
const page = (buckets: unknown[]) => ({ data: buckets, has_more: false, next_page: null });

describe('anthropic.usage', () => {
  it('normalises the formats.md sample', () => {
    const out = decoder.decode(loadSample('anthropic-usage'), CTX);
    const { raw, ...row } = onlyRow(out, 'provider_usage');
    expect(out.records[0]!.format).toBe('anthropic.usage');
    expect(row).toEqual({
      event_time: '2026-08-19 14:00:00.000',
      bucket_end: '2026-08-19 15:00:00.000',
      format: 'anthropic.usage',
      provider: 'anthropic',
      kind: 'usage',
      api_key_id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT',
      workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
      account_id: '',
      user_email: '',
      principal: '',
      team_id: '',
      session_id: '',
      request_id: '',
      model: 'claude-sonnet-4-5-20250929',
      service_tier: 'standard',
      line_item: '',
      uncached_input_tokens: 19200,
      cache_read_tokens: 1823400,
      cache_write_tokens: 51000,
      output_tokens: 41210,
      request_count: 0,
      cost_usd: 0,
      metrics: {},
      prompt_logged: 0,
      bucket_key: expect.stringMatching(/^anthropic\/usage\/[0-9a-f]{32}$/),
    });
    expect(JSON.parse(raw)).toMatchObject({
      starting_at: '2026-08-19T14:00:00Z',
      ending_at: '2026-08-19T15:00:00Z',
      uncached_input_tokens: 19200,
    });
  });

  it('adds both cache-write TTLs and falls back to the service account', () => {
    const r = result({
      cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 23 },
      account_id: null,
      service_account_id: 'svac_01abc',
    });
    const [row] = rows(decoder.decode(page([bucket(14, [r])]), CTX));
    expect(row).toMatchObject({ cache_write_tokens: 123, account_id: 'svac_01abc' });
    const [noCache] = rows(decoder.decode(page([bucket(14, [result({ cache_creation: null, account_id: 'user_01x' })])]), CTX));
    expect(noCache).toMatchObject({ cache_write_tokens: 0, account_id: 'user_01x' });
  });

  it('emits one record per result across buckets, skipping empty buckets', () => {
    const out = decoder.decode(page([bucket(10, []), bucket(11, [result(), result()]), bucket(12, [result(), result()]), bucket(13, [result(), result()])]), CTX);
    expect(out.rejects).toEqual([]);
    expect(rows(out).map((r) => r.event_time)).toEqual([
      '2026-08-19 11:00:00.000', '2026-08-19 11:00:00.000',
      '2026-08-19 12:00:00.000', '2026-08-19 12:00:00.000',
      '2026-08-19 13:00:00.000', '2026-08-19 13:00:00.000',
    ]);
  });

  it('rejects one invalid result and keeps its siblings', () => {
    const bad = result({ cache_creation: { ephemeral_5m_input_tokens: -1 } });
    const out = decoder.decode(page([bucket(14, [result()]), bucket(15, [bad, result()])]), CTX);
    expect(out.records).toHaveLength(2);
    expect(out.rejects).toHaveLength(1);
    // A negative count is outside its bounds (schemas/events/bounds.ts): out_of_range, not a type error.
    expect(out.rejects[0]).toMatchObject({ reason: 'out_of_range', format: 'anthropic.usage' });
    expect(out.rejects[0]!.detail).toContain('data[1].results[0].cache_creation.ephemeral_5m_input_tokens');
    expect(JSON.parse(out.rejects[0]!.raw)).toMatchObject({ starting_at: '2026-08-19T15:00:00Z', ending_at: '2026-08-19T16:00:00Z' });
  });

  it('rejects bad bucket times and broken envelopes without throwing', () => {
    const badTime = decoder.decode(page([{ starting_at: 'yesterday', ending_at: 'today', results: [result()] }, bucket(14, [result()])]), CTX);
    expect(badTime.records).toHaveLength(1);
    expect(badTime.rejects[0]!.detail).toMatch(/^data\[0\]: unparseable timestamp/);
    for (const doc of [{ data: 'x' }, null, 'x', { data: [{ results: [] }] }]) {
      const out = decoder.decode(doc, CTX);
      expect(out.records).toEqual([]);
      expect(out.rejects).toHaveLength(1);
    }
  });

  it('accepts a single bucket', () => {
    expect(rows(decoder.decode(bucket(14, [result()]), CTX))).toHaveLength(1);
  });

  it('claims a page of empty buckets and yields nothing', () => {
    const empty = page([bucket(14, []), bucket(15, [])]);
    expect(decoder.matches(empty)).toBe(true);
    expect(decoder.decode(empty, CTX)).toEqual({ records: [], rejects: [] });
  });

  it('does not match the other billing samples', () => {
    expect(claimedSamples(decoder)).toEqual(['anthropic-usage']);
  });
});
