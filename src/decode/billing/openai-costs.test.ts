import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProviderUsageRow } from '../../normalize/rows.ts';
import type { DecodeOutput } from '../types.ts';
import { openAiCostsDecoder as decoder } from './openai-costs.ts';

const ctx = { storePromptText: false, maxEventTime: Date.now() + 86_400_000 };
// `any`: tests pick samples apart and rebuild them freely.
const sample = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../../../schemas/samples/${name}.json`, import.meta.url), 'utf8'));
const rows = (out: DecodeOutput): ProviderUsageRow[] => out.records.map((r) => r.row as ProviderUsageRow);

const DAY = 86_400;
const result = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...sample('openai-costs').data[0].results[0],
  ...overrides,
});
const bucket = (start: number, results: unknown[]) => ({ object: 'bucket', start_time: start, end_time: start + DAY, results });

describe('openai.costs', () => {
  it('normalises the sample: USD amount, line item, no tokens', () => {
    const out = decoder.decode(sample('openai-costs'), ctx);
    expect(out.rejects).toEqual([]);
    expect(out.records).toHaveLength(1);
    const { raw, ...row } = rows(out)[0]!;
    expect(row).toEqual({
      event_time: '2026-08-19 00:00:00.000',
      bucket_end: '2026-08-20 00:00:00.000',
      format: 'openai.costs',
      provider: 'openai',
      kind: 'cost',
      api_key_id: 'key_abc',
      workspace_id: 'proj_abc',
      account_id: '',
      user_email: '',
      principal: '',
      team_id: '',
      session_id: '',
      request_id: '',
      model: '',
      service_tier: '',
      line_item: 'gpt-5-codex, input',
      uncached_input_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      output_tokens: 0,
      request_count: 0,
      cost_usd: 4.3719,
      prompt_logged: 0,
    });
    expect(JSON.parse(raw)).toMatchObject({ start_time: 1787097600, end_time: 1787184000, amount: { value: 4.3719 } });
  });

  it('accepts a bucket and a bare result with bounds; keeps siblings of a bad result', () => {
    const out = decoder.decode(
      bucket(1787097600, [result(), result({ amount: { value: '1.00', currency: 'usd' } }), result({ line_item: null })]),
      ctx,
    );
    expect(rows(out).map((r) => r.line_item)).toEqual(['gpt-5-codex, input', '']);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]!.detail).toContain('results[1].amount.value');

    const bare = decoder.decode(result({ start_time: 1787097600, end_time: 1787184000 }), ctx);
    expect(rows(bare)).toHaveLength(1);
    expect(decoder.decode(result(), ctx).rejects[0]!.detail).toMatch(/start_time/);
  });

  it('rejects non-USD amounts rather than storing them as dollars', () => {
    const out = decoder.decode(bucket(1787097600, [result({ amount: { value: 3, currency: 'eur' } })]), ctx);
    expect(out.records).toEqual([]);
    expect(out.rejects[0]!.detail).toContain('only USD');
  });

  it('does not match the other billing samples', () => {
    expect(decoder.matches(sample('openai-costs'))).toBe(true);
    expect(decoder.matches(bucket(1787097600, [result()]))).toBe(true);
    for (const name of ['openai-usage', 'anthropic-usage', 'anthropic-cost', 'bedrock-invocation']) {
      expect(decoder.matches(sample(name)), name).toBe(false);
    }
  });
});
