import { describe, expect, it } from 'vitest';
import { compileRawFields, keptFields, rawText } from './raw-fields.ts';
import { rememberSourceText } from './content.ts';
import { generateTraffic } from '../../test/fixtures/traffic.ts';
import { DECODERS } from '../decode/registry.ts';

const MARKER = /^\[redacted \d+ bytes sha256:[0-9a-f]{16}\]$/;

const FIELDS = compileRawFields({
  keep: ['id', 'usage.tokens', 'items.name', 'tools.*.accepted', 'tags'],
  content: ['messages'],
  names: {
    headers: { keep: ['user-agent', 'x-*-session-id'] },
    attributes: { keep: ['session.id'], content: ['prompt'] },
  },
  matching: { 'body.stringValue': /^claude_code\.[a-z_]+$/ },
});

describe('raw allowlist', () => {
  it('keeps declared paths and replaces every other value by a marker that names its size and hash', () => {
    const doc = {
      id: 'r1', system_prompt: 'say it', tags: ['a', 'b'], usage: { tokens: 5, notes: 'free text' },
      items: [{ name: 'x', text: 'hi' }], tools: { edit: { accepted: 2, rejected: 1 } }, extra: { deep: { er: 1 } },
    };
    const kept = keptFields(doc, FIELDS, false) as Record<string, any>;
    expect(kept['id']).toBe('r1');
    expect(kept['tags']).toEqual(['a', 'b']);
    expect(kept['usage'].tokens).toBe(5);
    expect(kept['items'][0].name).toBe('x');
    expect(kept['tools'].edit.accepted).toBe(2);
    for (const v of [kept['system_prompt'], kept['usage'].notes, kept['items'][0].text, kept['tools'].edit.rejected, kept['extra']]) {
      expect(v).toMatch(MARKER);
    }
    // Nothing to hide in an empty value: it stays as it was.
    expect(keptFields({ unknown: '', other: null, o: {} }, FIELDS, false)).toEqual({ unknown: '', other: null, o: {} });
  });

  it('keeps the listed names of a free map (headers, attributes, OTLP key/value lists); content only when opted in', () => {
    const headers = { 'User-Agent': 'claude-cli/2.1.294', 'x-claude-code-session-id': 's-12345678', 'x-debug-prompt': 'leak', authorization: 'Bearer t' };
    const kept = keptFields({ headers }, FIELDS, false) as { headers: Record<string, string> };
    expect(kept.headers['User-Agent']).toBe('claude-cli/2.1.294');
    expect(kept.headers['x-claude-code-session-id']).toBe('s-12345678');
    expect(kept.headers['x-debug-prompt']).toMatch(MARKER);
    expect(kept.headers['authorization']).toMatch(MARKER);

    const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
    const attributes = [kv('session.id', 's1'), kv('prompt', 'write it'), kv('error', 'text of an error')];
    const otlp = keptFields({ attributes }, FIELDS, false) as { attributes: { key: string; value: { stringValue: string } }[] };
    expect(otlp.attributes[0]).toBe(attributes[0]);
    expect(otlp.attributes[1]?.value.stringValue).toMatch(MARKER);
    expect(otlp.attributes[2]?.value.stringValue).toMatch(MARKER);
    const optedIn = keptFields({ attributes, messages: [{ content: 'c' }] }, FIELDS, true) as Record<string, unknown>;
    expect((optedIn['attributes'] as unknown[])[1]).toBe(attributes[1]);
    expect((optedIn['attributes'] as { value: { stringValue: string } }[])[2]?.value.stringValue).toMatch(MARKER);
    expect(optedIn['messages']).toEqual([{ content: 'c' }]);
    expect((keptFields({ messages: [{ content: 'c' }] }, FIELDS, false) as Record<string, unknown>)['messages']).toMatch(MARKER);
  });

  it('keeps a matching path only when its text matches (an event name body, not a message)', () => {
    expect(keptFields({ body: { stringValue: 'claude_code.api_request' } }, FIELDS, false)).toEqual({ body: { stringValue: 'claude_code.api_request' } });
    expect((keptFields({ body: { stringValue: 'please fix' } }, FIELDS, false) as { body: { stringValue: string } }).body.stringValue).toMatch(MARKER);
  });

  it('reads JSON text where an object was declared, and keeps an own __proto__ key as a masked field', () => {
    const kept = keptFields({ usage: '{"tokens": 3, "notes": "n"}' }, FIELDS, false) as { usage: Record<string, unknown> };
    expect(kept.usage['tokens']).toBe(3);
    expect(kept.usage['notes']).toMatch(MARKER);
    const proto = JSON.parse('{"id": "p", "__proto__": {"x": "hidden"}}') as unknown;
    const text = rawText(proto, FIELDS, false);
    expect(text).toContain('"__proto__":"[redacted');
    expect(text).not.toContain('hidden');
  });

  it('stores the message text itself when everything in it is allowed, and only then', () => {
    const clean = '{"id":  "r1", "tags": ["a"]}';
    const doc = JSON.parse(clean) as unknown;
    rememberSourceText(doc, clean);
    expect(rawText(doc, FIELDS, false)).toBe(clean);
    const dirtyText = '{"id": "r1", "note": "x"}';
    const dirty = JSON.parse(dirtyText) as unknown;
    rememberSourceText(dirty, dirtyText);
    expect(rawText(dirty, FIELDS, false)).toMatch(/^\{"id":"r1","note":"\[redacted/);
  });

  it("keeps every field of the generated traffic's records (the ingest fast path holds for what the formats define)", () => {
    // The generator writes each format's documented fields: a record it makes that loses a field
    // would mean an allowlist misses a field the contract names.
    const docs = [...generateTraffic(200, { seed: 5 })].map((m) => ({ source: m.source, doc: JSON.parse(m.value.toString('utf8')) as unknown }));
    expect(docs.length).toBeGreaterThan(0);
    const missing = new Set<string>();
    for (const { source, doc } of docs) {
      const decoder = DECODERS[source].find((d) => d.matches(doc));
      expect(decoder, JSON.stringify(doc).slice(0, 80)).toBeDefined();
      const out = decoder!.decode(doc, { storePromptText: false, maxEventTime: Date.parse('2100-01-01T00:00:00Z') });
      for (const r of out.records) {
        for (const m of (r.row as { raw: string }).raw.matchAll(/"([^"]+)":"\[redacted \d+ bytes/g)) missing.add(`${r.format}: ${m[1]}`);
      }
    }
    // Content the generator plants on purpose (prompt logging on for some teams), the samples' own
    // `_note`, and LiteLLM's request parameters and price-map entry (not named by formats.md §1a:
    // model_parameters can hold tool definitions) are what is masked.
    const expected = /: (messages|response|prompt|stringValue|request|_note|model_parameters|model_map_value)$/;
    expect([...missing].filter((m) => !expected.test(m))).toEqual([]);
  });

});
