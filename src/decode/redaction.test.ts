import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeMessage, type DecodedMessage } from './message.ts';
import { SOURCE_KINDS, type DecodeContext } from './types.ts';
import { findDecoder } from './registry.ts';
import { allSamples } from './test-support.ts';

/**
 * Redaction at the decode edge (issue 9 item 3, issue 10 item 2), one record at a time; the leak
 * test (test/integration/leak.int.test.ts) proves the same end to end through Kafka and the store.
 */
const ctx: DecodeContext = { storePromptText: false, maxEventTime: Date.parse('2027-01-01T00:00:00Z') };
const limits = { maxMessageBytes: 16 * 1024 };
const KEY = 'sk-ant-api03-' + 'K'.repeat(90) + 'zzAA';
const sample = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/samples/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
const decode = (source: 'gateway' | 'agent', value: unknown): DecodedMessage =>
  decodeMessage(source, Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value)), ctx, limits);
const everything = (m: DecodedMessage) => JSON.stringify(m);

describe('redaction at decode', () => {
  it('redacts a Claude Code 2.1.294 user_prompt: prompt and prompt_text, in attributes and raw', () => {
    const kv = (key: string, v: string | number) => ({ key, value: typeof v === 'number' ? { intValue: v } : { stringValue: v } });
    const doc = {
      resourceLogs: [{
        resource: { attributes: [kv('service.name', 'claude-code'), kv('service.version', '2.1.294')] },
        scopeLogs: [{
          scope: { name: 'com.anthropic.claude_code.events', version: '2.1.294' },
          logRecords: [{
            timeUnixNano: '1787148198044000000',
            body: { stringValue: 'claude_code.user_prompt' },
            attributes: [kv('event.name', 'user_prompt'), kv('event.timestamp', '2026-08-19T14:03:18.044Z'), kv('event.sequence', 3),
              kv('session.id', 'e96634a3-fa28-4083-b354-55542e2dca01'), kv('prompt.id', '1b0f3a52-5d7e-4c1e-9a3b-6f2d8e4c7a10'),
              kv('prompt_length', 31), kv('prompt', 'SECRETPROMPT fix the build now'), kv('prompt_text', 'SECRETPROMPT fix the build now')],
          }],
        }],
      }],
    };
    const out = decode('agent', doc);
    expect(out.rejects).toEqual([]);
    expect(out.records).toHaveLength(1);
    expect(everything(out)).not.toContain('SECRETPROMPT');
    const row = out.records[0]?.row as unknown as { attributes: Record<string, string>; raw: string };
    expect(row.attributes['prompt_text']).toBeUndefined();
    expect(row.raw).toContain('prompt_length');
    expect(row.raw).toContain('claude_code.user_prompt');
  });

  it('fingerprints a raw key in LiteLLM api_key in api_key_id and raw, and redacts free text by rule', () => {
    const doc = { ...sample('litellm-spend-log'), api_key: KEY, system_prompt: 'SECRETPROMPT sys', metadata: { notes: 'SECRETPROMPT notes', requester_custom_headers: { 'x-debug-prompt': 'SECRETPROMPT hdr', 'user-agent': 'claude-cli/2.1.294 (external, cli)' } } };
    const out = decode('gateway', doc);
    expect(out.rejects).toEqual([]);
    const row = out.records[0]?.row as unknown as { api_key_id: string; raw: string };
    expect(row.api_key_id).toMatch(/^sk-ant-api03-…zzAA#[0-9a-f]{12}$/);
    expect(row.raw).toContain(row.api_key_id);
    expect(row.raw).toContain('claude-cli/2.1.294'); // an allowlisted header keeps its value
    expect(everything(out)).not.toContain('SECRETPROMPT');
    expect(everything(out)).not.toContain('K'.repeat(20));
  });

  it('keeps a shape-only prefix, the size and the SHA-256 of an unreadable message', () => {
    const text = `{"messages":["SECRETPROMPT a"],"headers":{"authorization":"Bearer abcdefgh12345678"},"attributes":[{"key":"prompt","value":{"stringValue":"SECRETPROMPT b"}}],"k":"${KEY}", oops`;
    const invalid = decode('gateway', Buffer.from(text));
    expect(invalid.rejects[0]?.reason).toBe('invalid_json');
    expect(invalid.rejects[0]?.detail).toMatch(/sha256 [0-9a-f]{64}/);
    expect(invalid.rejects[0]?.raw).toContain('"messages":["[');
    for (const bad of [Buffer.from(text + ' '.repeat(20_000)), Buffer.concat([Buffer.from(text), Buffer.from([0xff])])]) {
      const r = decode('gateway', bad).rejects[0];
      expect(r?.rawBytes).toBe(bad.byteLength);
      expect(r?.rawEncoding).toBe('utf8');
      expect((r?.raw.length ?? 0) < 4096).toBe(true);
    }
    const unknown = decode('gateway', { hello: 'SECRETPROMPT c', key: KEY });
    expect(unknown.rejects[0]?.reason).toBe('unknown_format');
    for (const m of [invalid, unknown]) {
      expect(everything(m)).not.toContain('SECRETPROMPT');
      expect(everything(m)).not.toContain('K'.repeat(20));
      expect(everything(m)).not.toContain('abcdefgh12345678');
    }
  });

  it('a record-level reject (schema violation, unknown format) keeps allowed fields or the shape, plus the size and SHA-256 of the original', () => {
    const bad = { ...sample('litellm-spend-log'), prompt_tokens: 'lots', annotation: 'SECRETPROMPT s', api_key: KEY };
    const text = JSON.stringify(bad);
    const schema = decode('gateway', Buffer.from(text)).rejects[0];
    expect(schema?.reason).toBe('schema_violation');
    expect(schema?.detail).toMatch(/^prompt_tokens: .*; kept: the fields its format allows, sha256 ([0-9a-f]{64})$/);
    expect(schema?.detail).toContain(createHash('sha256').update(text).digest('hex'));
    expect(schema?.rawBytes).toBe(Buffer.byteLength(text));
    expect(JSON.parse(schema?.raw ?? '{}')).toMatchObject({ request_id: sample('litellm-spend-log')['request_id'], annotation: expect.stringMatching(/^\[redacted/) });
    const unknownText = JSON.stringify({ hello: 'SECRETPROMPT u', n: 3 });
    const unknown = decode('gateway', Buffer.from(unknownText)).rejects[0];
    expect(unknown?.detail).toContain(`sha256 ${createHash('sha256').update(unknownText).digest('hex')}`);
    expect(unknown?.rawBytes).toBe(Buffer.byteLength(unknownText));
    // In a top-level array each element is its own record: its own size and hash.
    const element = { hello: 'x' };
    const inArray = decode('gateway', Buffer.from(JSON.stringify([element]))).rejects[0];
    expect(inArray?.rawBytes).toBe(JSON.stringify(element).length);
    for (const r of [schema, unknown]) {
      expect(JSON.stringify(r)).not.toContain('SECRETPROMPT');
      expect(JSON.stringify(r)).not.toContain('K'.repeat(20));
    }
  });

  it('keeps the whole message only when the operator opted in', () => {
    const bad = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    const r = decodeMessage('gateway', bad, ctx, { ...limits, keepWholeRejects: true }).rejects[0];
    expect(r?.rawEncoding).toBe('base64');
    expect(Buffer.from(r?.raw ?? '', 'base64').equals(bad)).toBe(true);
  });

  // A field the format contract does not name, under a name no content rule knows: the old
  // rule-based redaction kept these; only an allowlist per format drops them.
  const FREE = 'annotation';
  const TEXT = 'SECRETPROMPT free text the contract does not name';
  /** Every object of `doc` (records, nested sections, headers, OTLP pairs) gains an unknown field. */
  function withUnknownFields(doc: unknown, parentKey = ''): unknown {
    if (Array.isArray(doc)) return doc.map((v) => withUnknownFields(v, parentKey));
    if (doc === null || typeof doc !== 'object') return doc;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc)) out[k] = withUnknownFields(v, k);
    // tool_actions maps a tool to its counts: a string there is a schema violation, not an unknown field.
    if (parentKey !== 'tool_actions') out[FREE] = TEXT;
    return out;
  }

  it.each(allSamples().map(([name, doc]) => [name, doc] as const))('%s: an unknown field in every object reaches no row, only its name and a marker', (name, doc) => {
    const source = SOURCE_KINDS.find((s) => findDecoder(s, doc) !== undefined);
    expect(source, name).toBeDefined();
    const out = decodeMessage(source!, Buffer.from(JSON.stringify(withUnknownFields(doc))), ctx, { maxMessageBytes: 1 << 20 });
    expect(out.rejects).toEqual([]);
    expect(out.records.length).toBeGreaterThan(0);
    expect(everything(out)).not.toContain('SECRETPROMPT');
    for (const r of out.records) expect((r.row as unknown as { raw: string }).raw).toMatch(/"annotation":"\[redacted \d+ bytes sha256:[0-9a-f]{16}\]"/);
  });

  it("drops the issue's examples: system_prompt, metadata.notes, a custom header, the OTel error attribute, a custom OTel attribute", () => {
    const gateway = decode('gateway', {
      ...sample('litellm-payload'), system_prompt: 'SECRETPROMPT a',
      metadata: { ...(sample('litellm-payload')['metadata'] as object), notes: 'SECRETPROMPT b', requester_custom_headers: { 'x-debug-prompt': 'SECRETPROMPT c' } },
    });
    const flat = sample('claude-code-flat');
    const agent = decode('agent', { ...flat, attributes: { ...(flat['attributes'] as object), error: 'SECRETPROMPT d', 'debug.dump': 'SECRETPROMPT e' } });
    for (const out of [gateway, agent]) {
      expect(out.rejects).toEqual([]);
      expect(everything(out)).not.toContain('SECRETPROMPT');
    }
    const raw = (agent.records[0]?.row as unknown as { raw: string; attributes: Record<string, string> });
    expect(JSON.parse(raw.raw).attributes).toMatchObject({ error: expect.stringMatching(/^\[redacted/), 'debug.dump': expect.stringMatching(/^\[redacted/), model: 'claude-sonnet-4-5-20250929' });
    expect(raw.attributes['debug.dump']).toBeUndefined();
  });

  it('keeps content fields the contract names only with storePromptText, and still no unknown field', () => {
    const doc = { ...sample('litellm-spend-log'), messages: [{ role: 'user', content: 'OPTEDIN prompt' }], annotation: 'SECRETPROMPT x' };
    const out = decodeMessage('gateway', Buffer.from(JSON.stringify(doc)), { ...ctx, storePromptText: true }, limits);
    const raw = (out.records[0]?.row as unknown as { raw: string }).raw;
    expect(raw).toContain('OPTEDIN prompt');
    expect(raw).not.toContain('SECRETPROMPT');
  });
});
