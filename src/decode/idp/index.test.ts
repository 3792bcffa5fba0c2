import { describe, expect, it } from 'vitest';
import { allSamples } from '../test-support.ts';
import { idpDecoders } from './index.ts';

const OWN: Record<string, string> = {
  'okta-token-grant': 'okta.system_log',
  'okta-user-deactivate': 'okta.system_log',
  'entra-signin-interactive': 'entra.signin',
  'entra-signin-service-principal': 'entra.signin',
  'entra-diagnostic-envelope': 'entra.signin',
};

describe('idpDecoders', () => {
  it.each(allSamples())('%s is claimed by the right decoder or by none', (name, doc) => {
    const claimed = idpDecoders.filter((d) => d.matches(doc)).map((d) => d.format);
    expect(claimed).toEqual(OWN[name] === undefined ? [] : [OWN[name]]);
  });

  it('are idp-source decoders with unique formats', () => {
    expect(idpDecoders.every((d) => d.source === 'idp')).toBe(true);
    expect(new Set(idpDecoders.map((d) => d.format)).size).toBe(idpDecoders.length);
  });
});
