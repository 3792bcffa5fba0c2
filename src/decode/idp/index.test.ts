import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { idpDecoders } from './index.ts';

const SAMPLES = new URL('../../../schemas/samples/', import.meta.url);
const OWN: Record<string, string> = {
  'okta-token-grant.json': 'okta.system_log',
  'okta-user-deactivate.json': 'okta.system_log',
  'entra-signin-interactive.json': 'entra.signin',
  'entra-signin-service-principal.json': 'entra.signin',
  'entra-diagnostic-envelope.json': 'entra.signin',
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

describe('idpDecoders', () => {
  it.each(allSamples())('%s is claimed by the right decoder or by none', (file, doc) => {
    const claimed = idpDecoders.filter((d) => d.matches(doc)).map((d) => d.format);
    expect(claimed).toEqual(OWN[file] === undefined ? [] : [OWN[file]]);
  });

  it('are idp-source decoders with unique formats', () => {
    expect(idpDecoders.every((d) => d.source === 'idp')).toBe(true);
    expect(new Set(idpDecoders.map((d) => d.format)).size).toBe(idpDecoders.length);
  });
});
