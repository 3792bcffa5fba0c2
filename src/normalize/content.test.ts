import { describe, expect, it } from 'vitest';
import { fingerprintContent, redactRecord, rememberSourceText } from './content.ts';

const parsed = (text: string) => {
  const doc = JSON.parse(text) as unknown;
  rememberSourceText(doc, text);
  return doc;
};

describe('prompt redaction', () => {
  it('keeps presence, size and hash, never the text, unless text storage is on', () => {
    const fp = fingerprintContent('Refactor the retry loop', false);
    expect(fp).toMatchObject({ logged: true, bytes: 23, text: '' });
    expect(fp.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintContent('{}', false).logged).toBe(false);
    expect(fingerprintContent('<REDACTED>', false).logged).toBe(false);
    expect(fingerprintContent('hi', true).text).toBe('hi');
  });

  it('redacts content and credentials in a record by rule (the second line for alert evidence)', () => {
    const doc = parsed('{"messages":[{"role":"user","content":"SECRET PROMPT"}],"request":{"headers":{"authorization":"Bearer sk-live"}},"model":"m"}');
    const raw = JSON.stringify(redactRecord(doc, false));
    expect(raw).not.toContain('SECRET PROMPT');
    expect(raw).not.toContain('sk-live');
    expect(JSON.parse(raw)).toMatchObject({ model: 'm' });
  });
});
