import { describe, expect, it } from 'vitest';
import { allSamples } from '../test-support.ts';
import { agentDecoders } from './index.ts';

const OWN: Record<string, string> = {
  'claude-code-otlp': 'otel.otlp_json',
  'claude-code-flat': 'otel.flat',
};

describe('agentDecoders', () => {
  it.each(allSamples())('%s is claimed by the right decoder or by none', (name, doc) => {
    const claimed = agentDecoders.filter((d) => d.matches(doc)).map((d) => d.format);
    expect(claimed).toEqual(OWN[name] === undefined ? [] : [OWN[name]]);
  });

  it('are agent-source decoders with unique formats', () => {
    expect(agentDecoders.every((d) => d.source === 'agent')).toBe(true);
    expect(new Set(agentDecoders.map((d) => d.format)).size).toBe(agentDecoders.length);
  });
});
