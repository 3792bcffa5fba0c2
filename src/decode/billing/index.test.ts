import { describe, expect, it } from 'vitest';
import { CTX, loadSample } from '../test-support.ts';
import { billingDecoders } from './index.ts';

const SAMPLES: Record<string, string> = {
  'openai-usage': 'openai.usage',
  'openai-costs': 'openai.costs',
  'anthropic-usage': 'anthropic.usage',
  'anthropic-cost': 'anthropic.cost',
  'bedrock-invocation': 'bedrock.invocation',
  'anthropic-claude-code': 'anthropic.claude_code',
  'openai-usage-embeddings': 'openai.usage_family',
  'openai-usage-images': 'openai.usage_family',
  'openai-project-api-keys': 'openai.api_keys',
  'anthropic-api-keys': 'anthropic.api_keys',
};

describe('billingDecoders', () => {
  it('has unique formats, all on the billing source', () => {
    const formats = billingDecoders.map((d) => d.format);
    expect(new Set(formats).size).toBe(formats.length);
    expect(formats.sort()).toEqual([...new Set(Object.values(SAMPLES))].sort());
    expect(billingDecoders.every((d) => d.source === 'billing')).toBe(true);
  });

  it.each(Object.entries(SAMPLES))('%s is claimed by exactly %s and decodes cleanly', (name, format) => {
    const doc: unknown = loadSample(name);
    expect(billingDecoders.filter((d) => d.matches(doc)).map((d) => d.format)).toEqual([format]);
    const out = billingDecoders.find((d) => d.format === format)!.decode(doc, CTX);
    expect(out.rejects).toEqual([]);
    expect(out.records.length).toBeGreaterThan(0);
  });

  it('claims nothing that is not a billing document, and never throws in matches', () => {
    for (const doc of [null, undefined, 0, 'page', [], {}, { object: 'list', data: [] }, { schemaType: 'Other' }]) {
      expect(billingDecoders.filter((d) => d.matches(doc)).map((d) => d.format)).toEqual([]);
    }
  });
});
