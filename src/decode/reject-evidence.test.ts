import { describe, expect, it } from 'vitest';
import { shapeOnlyPrefix } from './reject-evidence.ts';

describe('shapeOnlyPrefix', () => {
  it('keeps keys and figures, replaces string values by their length, and masks a secret in a key', () => {
    const out = shapeOnlyPrefix('{"prompt":"tell me the launch codes","tokens":12,"sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789":true}');
    expect(out).toMatch(/"prompt":"\[\d+ chars\]"/);
    expect(out).toContain('"tokens":12');
    expect(out).not.toContain('launch codes');
    expect(out).not.toContain('abcdefghijklmnopqrstuvwxyz0123456789');
  });

  it('leaves a prefix shaped at ingest as it was (its lengths are the original ones), and stays within its bound', () => {
    const once = shapeOnlyPrefix('{"messages":[{"content":"a secret plan, long enough"}],"user":"bob"}');
    expect(shapeOnlyPrefix(once)).toBe(once);
    const long = shapeOnlyPrefix(JSON.stringify({ a: 'x'.repeat(5000), b: 'y' }), 100);
    expect(long.length).toBeLessThanOrEqual(100);
    expect(long.endsWith('…')).toBe(true);
  });
});
