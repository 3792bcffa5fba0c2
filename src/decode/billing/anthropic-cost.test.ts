import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProviderUsageRow } from '../../normalize/rows.ts';
import type { DecodeOutput } from '../types.ts';
import { anthropicCostDecoder as decoder } from './anthropic-cost.ts';

const ctx = { storePromptText: false, maxEventTime: Date.now() + 86_400_000 };
// `any`: tests pick samples apart and rebuild them freely.
const sample = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../../../schemas/samples/${name}.json`, import.meta.url), 'utf8'));
const rows = (out: DecodeOutput): ProviderUsageRow[] => out.records.map((r) => r.row as ProviderUsageRow);

const result = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...sample('anthropic-cost').data[0].results[0],
  ...overrides,
});
const day = (date: number, results: unknown[]) => ({
  starting_at: `2026-08-${date}T00:00:00Z`,
  ending_at: `2026-08-${date + 1}T00:00:00Z`,
  results,
});

describe('anthropic.cost', () => {
  it('normalises the sample: cents string to USD, description as line item', () => {
    const out = decoder.decode(sample('anthropic-cost'), ctx);
    expect(out.rejects).toEqual([]);
    expect(out.records).toHaveLength(1);
    const { raw, ...row } = rows(out)[0]!;
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
      prompt_logged: 0,
    });
    expect(JSON.parse(raw)).toMatchObject({ starting_at: '2026-08-19T00:00:00Z', amount: '123.45' });
  });

  it('labels ungrouped results by cost and token type', () => {
    const out = decoder.decode(
      { data: [day(17, [result({ description: null }), result({ description: null, cost_type: 'web_search', token_type: null })])] },
      ctx,
    );
    expect(rows(out).map((r) => r.line_item)).toEqual(['tokens:output_tokens', 'web_search']);
  });

  it('emits one record per result and rejects a numeric amount alone', () => {
    const out = decoder.decode(
      { data: [day(17, [result(), result({ amount: '5' })]), day(18, [result({ amount: 12.5 }), result()])] },
      ctx,
    );
    expect(rows(out).map((r) => r.cost_usd)).toEqual([1.2345, 0.05, 1.2345]);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]!.detail).toContain('data[1].results[0].amount');
    expect(JSON.parse(out.rejects[0]!.raw)).toMatchObject({ starting_at: '2026-08-18T00:00:00Z', amount: 12.5 });
  });

  it('rejects non-USD amounts', () => {
    const out = decoder.decode({ data: [day(17, [result({ currency: 'EUR' })])] }, ctx);
    expect(out.records).toEqual([]);
    expect(out.rejects[0]!.detail).toContain('only USD');
  });

  it('does not match the other billing samples', () => {
    expect(decoder.matches(sample('anthropic-cost'))).toBe(true);
    for (const name of ['anthropic-usage', 'openai-usage', 'openai-costs', 'bedrock-invocation']) {
      expect(decoder.matches(sample(name)), name).toBe(false);
    }
    expect(decoder.matches({ data: [day(17, [])] })).toBe(false);
  });
});
