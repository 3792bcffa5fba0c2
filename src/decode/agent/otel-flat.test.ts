import { describe, expect, it } from 'vitest';
import type { DecodeOutput } from '../types.ts';
import { CTX, loadSample, onlyRow } from '../test-support.ts';
import { otelFlatDecoder as flat } from './otel-flat.ts';

const PROMPT = 'Refactor billing.ts so the invoice total uses the SECRET-MARKER-7731 discount table';

const sample = () => loadSample('claude-code-flat');
const only = (out: DecodeOutput) => onlyRow(out, 'agent_events');

describe('otel.flat', () => {
  it('decodes the formats.md sample exactly', () => {
    const { raw, ...rest } = only(flat.decode(sample(), CTX));
    expect(rest).toEqual({
      event_time: '2026-08-19 14:03:18.044',
      format: 'otel.flat',
      event_name: 'api_request',
      session_id: 'e96634a3-fa28-4083-b354-55542e2dca01',
      prompt_id: '1b0f3a52-5d7e-4c1e-9a3b-6f2d8e4c7a10',
      event_sequence: 42,
      user_id: '5dd07c33da27e6d2968d94ea20bf47a7b090b6b158b82328d54da2909a108e84',
      user_email: 'alice@example.com',
      account_id: 'user_01WCz1FkmYMm4gnmykNKUu3Q',
      account_uuid: '3f1c2b7a-9d0e-4f6a-8b2c-1e5d7a9c0b34',
      organization_id: 'dc9f6c26-b22c-4831-8d01-0446bada88f1',
      team_id: 'platform',
      service_name: 'claude-code',
      service_version: '2.1.200',
      terminal_type: 'iTerm.app',
      model: 'claude-sonnet-4-5-20250929',
      request_id: 'req_011CSHeb4L1mzEdqLhGa8VnK',
      client_request_id: '7b7f0c0e-2f1d-4e7a-b6a1-0c3f5d9e8a21',
      uncached_input_tokens: 390,
      cache_read_tokens: 45100,
      cache_write_tokens: 2400,
      output_tokens: 320,
      cost_usd: 0.0421,
      duration_ms: 6532,
      tool_name: '',
      mcp_server: '',
      tool_source: '',
      decision: '',
      success: '',
      secret_labels: [],
      repositories: [],
      hosts: [],
      mcp_tool: '',
      decision_source: '',
      permission_mode: '',
      prompt_logged: 0,
      prompt_bytes: 0,
      prompt_sha256: '',
      prompt_text: '',
      attributes: {
        cost_usd_micros: '42100',
        speed: 'normal',
        query_source: 'repl_main_thread',
        'os.type': 'darwin',
        'host.arch': 'arm64',
      },
    });
    expect(JSON.parse(raw)).toEqual(sample());
  });

  it('accepts numbers as strings', () => {
    const doc = sample();
    for (const k of ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'cost_usd', 'duration_ms', 'event.sequence']) {
      doc['attributes'][k] = String(doc['attributes'][k]);
    }
    expect(only(flat.decode(doc, CTX))).toMatchObject({
      uncached_input_tokens: 390,
      cache_read_tokens: 45100,
      cache_write_tokens: 2400,
      output_tokens: 320,
      cost_usd: 0.0421,
      duration_ms: 6532,
      event_sequence: 42,
    });
  });

  it('uses timeUnixNano when event.timestamp is absent, and cost_usd_micros when cost_usd is', () => {
    const doc = sample();
    delete doc['attributes']['event.timestamp'];
    delete doc['attributes']['cost_usd'];
    delete doc['attributes']['event.name'];
    const row = only(flat.decode(doc, CTX));
    expect(row.event_time).toBe('2026-08-19 14:03:18.044');
    expect(row.cost_usd).toBeCloseTo(0.0421, 10);
    // The body names the event when the attribute is missing.
    expect(row.event_name).toBe('api_request');
  });

  it('lower-cases the e-mail and falls back to enduser.id', () => {
    const doc = sample();
    doc['attributes']['user.email'] = 'Alice.Example@Example.COM';
    expect(only(flat.decode(doc, CTX)).user_email).toBe('alice.example@example.com');
    delete doc['attributes']['user.email'];
    doc['resource']['enduser.id'] = 'JDoe@Example.com';
    expect(only(flat.decode(doc, CTX)).user_email).toBe('jdoe@example.com');
  });

  it('fingerprints a logged prompt but keeps its text out of raw and attributes', () => {
    const doc = sample();
    doc['body'] = { stringValue: 'claude_code.user_prompt' };
    doc['attributes'] = {
      ...doc['attributes'],
      'event.name': 'user_prompt',
      prompt: PROMPT,
      prompt_length: String(PROMPT.length),
      tool_parameters: '{"file":"SECRET-MARKER-7731"}',
    };
    const row = only(flat.decode(doc, CTX));
    expect(row.prompt_logged).toBe(1);
    expect(row.prompt_bytes).toBe(PROMPT.length);
    expect(row.prompt_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(row.prompt_text).toBe('');
    expect(JSON.stringify(row)).not.toContain('SECRET-MARKER-7731');
    expect(row.attributes).not.toHaveProperty('prompt');
    expect(row.attributes['prompt_length']).toBe(String(PROMPT.length));

    const opted = only(flat.decode(doc, { ...CTX, storePromptText: true }));
    expect(opted.prompt_text).toBe(PROMPT);
  });

  it('does not count a <REDACTED> prompt as logged', () => {
    const doc = sample();
    doc['attributes'] = { 'event.name': 'user_prompt', 'session.id': 's1', prompt: '<REDACTED>', prompt_length: 57 };
    const row = only(flat.decode(doc, CTX));
    expect(row).toMatchObject({ prompt_logged: 0, prompt_bytes: 57, prompt_sha256: '' });
  });

  it('rejects a non-numeric token count with the attribute path', () => {
    const doc = sample();
    doc['attributes']['input_tokens'] = 'lots';
    const out = flat.decode(doc, CTX);
    expect(out.records).toEqual([]);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]).toMatchObject({ reason: 'schema_violation', format: 'otel.flat' });
    expect(out.rejects[0]!.detail).toMatch(/^attributes\.input_tokens: /);
  });

  it('rejects out-of-range and missing times without throwing', () => {
    const future = sample();
    future['attributes']['event.timestamp'] = '2099-01-01T00:00:00Z';
    const none = sample();
    delete none['attributes']['event.timestamp'];
    none['timeUnixNano'] = '0';
    const out = flat.decode([future, none, sample()], CTX);
    expect(out.records).toHaveLength(1);
    expect(out.rejects.map((r) => r.detail.slice(0, 11))).toEqual(['event time:', 'event time:']);
  });

  it('matches the flat shape only', () => {
    expect(flat.matches(sample())).toBe(true);
    expect(flat.matches({ timeUnixNano: '1', attributes: [] })).toBe(false);
    expect(flat.matches({ attributes: {} })).toBe(false);
  });
});
