import { describe, expect, it } from 'vitest';
import type { DecodeOutput } from '../types.ts';
import { CTX, claimedSamples, loadSample, onlyRow, rowsOf } from '../test-support.ts';
import { openAiCostsDecoder as decoder } from './openai-costs.ts';

const rows = (out: DecodeOutput) => rowsOf(out, 'provider_usage');

const DAY = 86_400;
const result = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...loadSample('openai-costs').data[0].results[0],
  ...overrides,
});
const bucket = (start: number, results: unknown[]) => ({ object: 'bucket', start_time: start, end_time: start + DAY, results });

describe('openai.costs', () => {
  it('normalises the sample: USD amount, line item, no tokens', () => {
    const out = decoder.decode(loadSample('openai-costs'), CTX);
    const { raw, ...row } = onlyRow(out, 'provider_usage');
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
      metrics: {},
      prompt_logged: 0,
      bucket_key: expect.stringMatching(/^openai\/cost\/[0-9a-f]{32}$/),
    });
    expect(JSON.parse(raw)).toMatchObject({ start_time: 1787097600, end_time: 1787184000, amount: { value: 4.3719 } });
  });

  it('accepts a bucket and a bare result with bounds; keeps siblings of a bad result', () => {
    const out = decoder.decode(
      bucket(1787097600, [result(), result({ amount: { value: '1.00', currency: 'usd' } }), result({ line_item: null })]),
      CTX,
    );
    expect(rows(out).map((r) => r.line_item)).toEqual(['gpt-5-codex, input', '']);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]!.detail).toContain('results[1].amount.value');

    const bare = decoder.decode(result({ start_time: 1787097600, end_time: 1787184000 }), CTX);
    expect(rows(bare)).toHaveLength(1);
    expect(decoder.decode(result(), CTX).rejects[0]!.detail).toMatch(/start_time/);
  });

  it('rejects non-USD amounts rather than storing them as dollars', () => {
    const out = decoder.decode(bucket(1787097600, [result({ amount: { value: 3, currency: 'eur' } })]), CTX);
    expect(out.records).toEqual([]);
    expect(out.rejects[0]!.detail).toContain('only USD');
  });

  it('does not match the other billing samples', () => {
    expect(claimedSamples(decoder)).toEqual(['openai-costs']);
    expect(decoder.matches(bucket(1787097600, [result()]))).toBe(true);
  });
});
