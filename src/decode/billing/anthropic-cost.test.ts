import { describe, expect, it } from 'vitest';
import type { DecodeOutput } from '../types.ts';
import { CTX, claimedSamples, loadSample, onlyRow, rowsOf } from '../test-support.ts';
import { anthropicCostDecoder as decoder } from './anthropic-cost.ts';

const rows = (out: DecodeOutput) => rowsOf(out, 'provider_usage');

const result = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...loadSample('anthropic-cost').data[0].results[0],
  ...overrides,
});
const day = (date: number, results: unknown[]) => ({
  starting_at: `2026-08-${date}T00:00:00Z`,
  ending_at: `2026-08-${date + 1}T00:00:00Z`,
  results,
});

describe('anthropic.cost', () => {
  it('normalises the sample: cents string to USD, description as line item', () => {
    const out = decoder.decode(loadSample('anthropic-cost'), CTX);
    const { raw, ...row } = onlyRow(out, 'provider_usage');
    expect(row).toEqual({
      event_time: '2026-08-19 00:00:00.000',
      bucket_end: '2026-08-20 00:00:00.000',
      format: 'anthropic.cost',
      provider: 'anthropic',
      kind: 'cost',
      api_key_id: '',
      workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ',
      account_id: '',
      user_email: '',
      principal: '',
      team_id: '',
      session_id: '',
      request_id: '',
      model: 'claude-sonnet-4-5-20250929',
      service_tier: 'standard',
      line_item: 'Claude Sonnet 4.5 Usage - Output Tokens',
      uncached_input_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      output_tokens: 0,
      request_count: 0,
      cost_usd: 1.2345,
      metrics: {},
      prompt_logged: 0,
      bucket_key: expect.stringMatching(/^anthropic\/cost\/[0-9a-f]{32}$/),
    });
    expect(JSON.parse(raw)).toMatchObject({ starting_at: '2026-08-19T00:00:00Z', amount: '123.45' });
  });

  it('labels ungrouped results by cost and token type', () => {
    const out = decoder.decode(
      { data: [day(17, [result({ description: null }), result({ description: null, cost_type: 'web_search', token_type: null })])] },
      CTX,
    );
    expect(rows(out).map((r) => r.line_item)).toEqual(['tokens:output_tokens', 'web_search']);
  });

  it('emits one record per result and rejects a numeric amount alone', () => {
    const out = decoder.decode(
      { data: [day(17, [result(), result({ amount: '5' })]), day(18, [result({ amount: 12.5 }), result()])] },
      CTX,
    );
    expect(rows(out).map((r) => r.cost_usd)).toEqual([1.2345, 0.05, 1.2345]);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]!.detail).toContain('data[1].results[0].amount');
    expect(JSON.parse(out.rejects[0]!.raw)).toMatchObject({ starting_at: '2026-08-18T00:00:00Z', amount: 12.5 });
  });

  it('rejects non-USD amounts', () => {
    const out = decoder.decode({ data: [day(17, [result({ currency: 'EUR' })])] }, CTX);
    expect(out.records).toEqual([]);
    expect(out.rejects[0]!.detail).toContain('only USD');
  });

  it('does not match the other billing samples', () => {
    expect(claimedSamples(decoder)).toEqual(['anthropic-cost']);
    expect(decoder.matches({ data: [day(17, [])] })).toBe(false);
  });
});
