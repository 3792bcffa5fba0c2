import { describe, expect, it } from 'vitest';
import { CTX, claimedSamples, loadSample, rowsOf } from '../test-support.ts';
import { anthropicClaudeCodeDecoder as decoder } from './anthropic-claude-code.ts';
import { anthropicUsageDecoder } from './anthropic-usage.ts';
import { anthropicCostDecoder } from './anthropic-cost.ts';

// The sample is the response example of Anthropic's API reference for
// GET /v1/organizations/usage_report/claude_code (formats.md §4c), plus one api_actor item.
describe('anthropic.claude_code', () => {
  const decodeSample = () => {
    const out = decoder.decode(loadSample('anthropic-claude-code'), CTX);
    expect(out.rejects).toEqual([]);
    return rowsOf(out, 'provider_usage');
  };

  it('gives one activity row and one row per model for each actor-day', () => {
    const rows = decodeSample();
    expect(rows.map((r) => [r.user_email, r.principal, r.model])).toEqual([
      ['alice@example.com', '', ''],
      ['alice@example.com', '', 'claude-sonnet-4-20250514'],
      ['alice@example.com', '', 'claude-3-5-haiku-20241022'],
      ['', 'ci-claude-code-runner', ''],
      ['', 'ci-claude-code-runner', 'claude-sonnet-4-20250514'],
    ]);
    for (const r of rows) {
      expect(r).toMatchObject({
        format: 'anthropic.claude_code',
        provider: 'anthropic',
        kind: 'claude_code',
        event_time: '2025-08-08 00:00:00.000',
        bucket_end: '2025-08-09 00:00:00.000',
        service_tier: 'api',
      });
    }
  });

  it('maps tokens by kind and the estimated cost from cents to USD', () => {
    const { raw, ...sonnet } = decodeSample()[1]!;
    expect(sonnet).toEqual({
      event_time: '2025-08-08 00:00:00.000',
      bucket_end: '2025-08-09 00:00:00.000',
      format: 'anthropic.claude_code',
      provider: 'anthropic',
      kind: 'claude_code',
      api_key_id: '',
      workspace_id: '',
      account_id: '',
      user_email: 'alice@example.com',
      principal: '',
      team_id: '',
      session_id: '',
      request_id: '',
      model: 'claude-sonnet-4-20250514',
      service_tier: 'api',
      line_item: 'iTerm.app',
      uncached_input_tokens: 45230,
      cache_read_tokens: 8790,
      cache_write_tokens: 2340,
      output_tokens: 12450,
      request_count: 0,
      cost_usd: 1.86,
      metrics: {},
      prompt_logged: 0,
      bucket_key: expect.stringMatching(/^anthropic\/claude_code\/[0-9a-f]{32}$/),
    });
    expect(JSON.parse(raw).actor.email_address).toBe('alice@example.com');
    expect(decodeSample()[4]!.cost_usd).toBeCloseTo(0.955, 10);
  });

  it('keeps the productivity figures on the activity row only', () => {
    const [alice, , , ci] = decodeSample();
    expect(alice!.metrics).toEqual({
      num_sessions: 15,
      lines_added: 342,
      lines_removed: 128,
      commits: 8,
      pull_requests: 2,
      'edit_tool.accepted': 25,
      'edit_tool.rejected': 3,
      'multi_edit_tool.accepted': 12,
      'multi_edit_tool.rejected': 1,
      'notebook_edit_tool.accepted': 5,
      'notebook_edit_tool.rejected': 2,
      'write_tool.accepted': 8,
      'write_tool.rejected': 0,
    });
    expect(alice!.cost_usd + alice!.uncached_input_tokens + alice!.output_tokens).toBe(0);
    expect(ci!.metrics).toMatchObject({ num_sessions: 4, commits: 3, is_remote: 0, 'edit_tool.accepted': 9 });
  });

  it('accepts one item on its own and rejects a bad item without sinking its siblings', () => {
    const item = loadSample('anthropic-claude-code').data[0];
    expect(decoder.matches(item)).toBe(true);
    expect(rowsOf(decoder.decode(item, CTX), 'provider_usage')).toHaveLength(3);

    const doc = loadSample('anthropic-claude-code');
    doc.data[0].model_breakdown[0].tokens.input = -5;
    doc.data[1].model_breakdown[0].estimated_cost.currency = 'EUR';
    doc.data.push({ ...loadSample('anthropic-claude-code').data[1], date: 'yesterday' });
    const out = decoder.decode(doc, CTX);
    expect(out.records).toEqual([]);
    expect(out.rejects.map((r) => r.detail)).toEqual([
      expect.stringContaining('data[0].model_breakdown.0.tokens.input'),
      expect.stringContaining('data[1].model_breakdown.0.estimated_cost.currency'),
      expect.stringMatching(/^data\[2\]\.date: /),
    ]);
  });

  it('claims only Claude Code analytics; usage and cost reports stay with their decoders', () => {
    expect(claimedSamples(decoder)).toEqual(['anthropic-claude-code']);
    const sample = loadSample('anthropic-claude-code');
    expect(anthropicUsageDecoder.matches(sample)).toBe(false);
    expect(anthropicCostDecoder.matches(sample)).toBe(false);
    // An empty page cannot be told apart; it yields nothing whichever decoder takes it.
    expect(decoder.matches({ data: [], has_more: false, next_page: null })).toBe(false);
  });
});
