import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agentDecoders } from './index.ts';

const SAMPLES = new URL('../../../schemas/samples/', import.meta.url);
const OWN: Record<string, string> = {
  'claude-code-otlp.json': 'otel.otlp_json',
  'claude-code-flat.json': 'otel.flat',
};

/** Every sample in the folder, including other sources', so a new sample cannot be mis-claimed. */
function allSamples(): [string, unknown][] {
  return readdirSync(SAMPLES)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f): [string, unknown][] => {
      try {
        return [[f, JSON.parse(readFileSync(new URL(f, SAMPLES), 'utf8'))]];
      } catch {
        return [];
      }
    });
}

describe('agentDecoders', () => {
  it.each(allSamples())('%s is claimed by the right decoder or by none', (file, doc) => {
    const claimed = agentDecoders.filter((d) => d.matches(doc)).map((d) => d.format);
    expect(claimed).toEqual(OWN[file] === undefined ? [] : [OWN[file]]);
  });

  it('are agent-source decoders with unique formats', () => {
    expect(agentDecoders.every((d) => d.source === 'agent')).toBe(true);
    expect(new Set(agentDecoders.map((d) => d.format)).size).toBe(agentDecoders.length);
  });
});
