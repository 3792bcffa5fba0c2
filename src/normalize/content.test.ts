import { describe, expect, it } from 'vitest';
import { cleanSourceText, fingerprintContent, redactedJson, redactRecord, rememberSourceText } from './content.ts';
import { allSamples } from '../decode/test-support.ts';
import { generateTraffic } from '../../test/fixtures/traffic.ts';

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

  it('redacts content and credentials in the stored raw record', () => {
    const doc = parsed('{"messages":[{"role":"user","content":"SECRET PROMPT"}],"request":{"headers":{"authorization":"Bearer sk-live"}},"model":"m"}');
    const raw = redactedJson(doc, false);
    expect(raw).not.toContain('SECRET PROMPT');
    expect(raw).not.toContain('sk-live');
    expect(JSON.parse(raw)).toMatchObject({ model: 'm' });
  });

  it('reuses the original message text only when nothing in it needs redacting', () => {
    const clean = [
      '{"messages": "{}", "response": "{}", "a": 1}',
      '{"response": {"status": 200, "size": 5, "headers": {}}}',
      '{"request": {"headers": {"authorization": "REDACTED"}}}',
      '{"body": {"stringValue": "claude_code.api_request"}, "attributes": {"prompt.id": "p", "prompt": "<REDACTED>"}}',
    ];
    for (const text of clean) expect(cleanSourceText(parsed(text)), text).toBe(text);
    const dirty = [
      '{"messages": [{"content": "x"}]}',
      '{"prompt": "hello"}',
      '{"authorization": "Bearer abc"}',
      '{"body": {"stringValue": "some user text"}}',
      '{"mcp_tool_call_metadata": {"arguments": {"q": "x"}}}',
    ];
    for (const text of dirty) expect(cleanSourceText(parsed(text)), text).toBeUndefined();
    // A document that was not parsed from a message (e.g. one element of a page) has no source text.
    expect(cleanSourceText({ a: 1 })).toBeUndefined();
  });
});

describe('redactedJson without copying unchanged subtrees', () => {
  // redactedJson serialises a shared-structure redaction; it must be the text of the full copy.
  const docs: unknown[] = [
    ...allSamples().map(([, doc]) => doc),
    ...[...generateTraffic(300, { seed: 3 })].map((r) => JSON.parse(r.value.toString('utf8')) as unknown),
  ];
  const tricky: unknown[] = [
    JSON.parse('{"a": 1, "__proto__": {"x": 1}, "messages": "hi"}'),
    JSON.parse('{"__proto__": "s", "b": [1, {"authorization": "Bearer x"}]}'),
    JSON.parse('{"1": {"prompt": "p"}, "z": 2, "0": [null, {"api-key": "k"}]}'),
    JSON.parse('[{"payload": {"request": "r", "other": {}}}, "x", {"response": {"status": 200, "headers": {"Cookie": "c"}}}]'),
    JSON.parse('{"Authorization": "REDACTED", "cookie": 5, "tool_input": {}, "completion": "[]"}'),
  ];
  it.each([false, true])('storeText=%s: same text as JSON.stringify(redactRecord(...))', (storeText) => {
    for (const doc of [...docs, ...tricky]) {
      expect(redactedJson(doc, storeText)).toBe(JSON.stringify(redactRecord(doc, storeText)));
    }
  });
});
