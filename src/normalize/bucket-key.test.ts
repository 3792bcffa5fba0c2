import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../decode/message.ts';
import { CTX, loadSample } from '../decode/test-support.ts';
import type { ProviderUsageRow } from './rows.ts';

/** The provider_usage rows of one billing message. */
function rowsOf(doc: unknown): ProviderUsageRow[] {
  const out = decodeMessage('billing', Buffer.from(JSON.stringify(doc)), CTX, { maxMessageBytes: 1 << 20 });
  return out.records.filter((r) => r.table === 'provider_usage').map((r) => r.row as ProviderUsageRow);
}

const keys = (doc: unknown) => rowsOf(doc).map((r) => r.bucket_key);

describe('bucket keys: a bucket without its figures', () => {
  it('is the same for a re-export with other figures, for every report format', () => {
    const figures: [sample: string, change: (result: Record<string, unknown>) => void][] = [
      ['openai-usage', (r) => { r['input_tokens'] = Number(r['input_tokens']) + 100; r['num_model_requests'] = 9; }],
      ['openai-usage-embeddings', (r) => { r['input_tokens'] = Number(r['input_tokens']) + 100; }],
      ['openai-costs', (r) => { r['amount'] = { value: 9.99, currency: 'usd' }; }],
      ['anthropic-usage', (r) => { r['output_tokens'] = Number(r['output_tokens']) + 1; }],
      ['anthropic-cost', (r) => { r['amount'] = '999.5'; }],
    ];
    for (const [sample, change] of figures) {
      const doc = loadSample(sample);
      const before = keys(doc);
      expect(before.every((k) => /^(openai|anthropic)\/[a-z_]+\/[0-9a-f]{32}$/.test(k)), sample).toBe(true);
      change(doc.data[0].results[0]);
      expect(keys(doc), sample).toEqual(before);
    }
    const report = loadSample('anthropic-claude-code');
    const before = keys(report);
    report.data[0].model_breakdown[0].tokens.output += 10;
    report.data[0].core_metrics.num_sessions += 1;
    expect(keys(report)).toEqual(before);
  });

  it('tells apart the groups of one bucket, including dimensions no column keeps (OpenAI batch, Anthropic context window)', () => {
    const usage = loadSample('openai-usage');
    const result = usage.data[0].results[0];
    usage.data[0].results = [{ ...result, batch: false }, { ...result, batch: true }];
    const [online, batch] = keys(usage);
    expect(online).not.toEqual(batch);

    const anthropic = loadSample('anthropic-usage');
    const first = anthropic.data[0].results[0];
    anthropic.data[0].results = [{ ...first, context_window: '0-200k' }, { ...first, context_window: '200k-1M' }];
    const [short, long] = keys(anthropic);
    expect(short).not.toEqual(long);
  });

  it('differs between buckets, and between the Claude Code report\'s activity row and its model rows', () => {
    const usage = loadSample('openai-usage');
    const before = keys(usage);
    usage.data[0].start_time += 86_400;
    usage.data[0].end_time += 86_400;
    expect(keys(usage)).not.toEqual(before);
    const report = keys(loadSample('anthropic-claude-code'));
    expect(new Set(report).size).toBe(report.length);
  });

  it('is empty for a Bedrock invocation: its request id is its key', () => {
    expect(keys(loadSample('bedrock-invocation'))).toEqual(['']);
  });
});
