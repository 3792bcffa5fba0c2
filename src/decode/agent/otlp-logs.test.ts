import { describe, expect, it } from 'vitest';
import type { DecodeOutput } from '../types.ts';
import { CTX, loadSample, rowsOf } from '../test-support.ts';
import { otlpLogsDecoder as otlp } from './otlp-logs.ts';

const PROMPT = 'Open a PR that rotates SECRET-MARKER-4410 in deploy/prod.env';

const sample = () => loadSample('claude-code-otlp');

function logRecords(doc: Record<string, any>): Record<string, any>[] {
  return doc['resourceLogs'][0].scopeLogs[0].logRecords;
}

function setAttr(rec: Record<string, any>, key: string, value: Record<string, unknown> | undefined): void {
  const attrs: Record<string, any>[] = rec['attributes'];
  const i = attrs.findIndex((a) => a['key'] === key);
  if (value === undefined) {
    if (i >= 0) attrs.splice(i, 1);
  } else if (i >= 0) {
    attrs[i] = { key, value };
  } else {
    attrs.push({ key, value });
  }
}

const rows = (out: DecodeOutput) => rowsOf(out, 'agent_events');

describe('otel.otlp_json', () => {
  it('decodes each log record of the sample request', () => {
    const out = otlp.decode(sample(), CTX);
    expect(out.rejects).toEqual([]);
    const [prompt, api, tool] = rows(out);
    const shared = {
      format: 'otel.otlp_json',
      session_id: 'e96634a3-fa28-4083-b354-55542e2dca01',
      prompt_id: '7c2e9a41-3b6d-4f08-9e15-a4d3c2b1f0e9',
      user_email: 'alice@example.com',
      account_id: 'user_01WCz1FkmYMm4gnmykNKUu3Q',
      organization_id: 'dc9f6c26-b22c-4831-8d01-0446bada88f1',
      team_id: 'platform',
      service_name: 'claude-code',
      service_version: '2.1.200',
      terminal_type: 'iTerm.app',
    };
    expect(prompt).toMatchObject({
      ...shared,
      event_time: '2026-08-19 14:03:10.512',
      event_name: 'user_prompt',
      event_sequence: 43,
      prompt_logged: 0,
      prompt_bytes: 212,
      prompt_sha256: '',
      prompt_text: '',
    });
    expect(prompt!.attributes).toEqual({
      prompt_length: '212',
      'os.type': 'darwin',
      'os.version': '25.0.0',
      'host.arch': 'arm64',
      department: 'engineering',
      cost_center: 'eng-123',
    });
    expect(api).toMatchObject({
      ...shared,
      event_time: '2026-08-19 14:03:19.871',
      event_name: 'api_request',
      event_sequence: 44,
      model: 'claude-sonnet-4-5-20250929',
      request_id: 'req_011CSHfQ2n8yXw4Lk9TzR1aB',
      client_request_id: '0d4c2e8f-6a1b-4c3d-9e7f-5b2a1c0d9e8f',
      uncached_input_tokens: 212,
      cache_read_tokens: 46210,
      cache_write_tokens: 1300,
      output_tokens: 486,
      cost_usd: 0.0187,
      duration_ms: 4120,
      tool_name: '',
      mcp_server: '',
    });
    expect(tool).toMatchObject({
      ...shared,
      event_time: '2026-08-19 14:03:22.388',
      event_name: 'tool_result',
      tool_name: 'mcp__github__create_pull_request',
      mcp_server: 'github',
      mcp_tool: 'create_pull_request',
      success: 'true',
      decision: 'accept',
      duration_ms: 2214,
      prompt_logged: 0,
    });
    expect(tool!.attributes).toMatchObject({ tool_use_id: 'toolu_01HqV3kP9sXn2mC7bYt4Rw8E', mcp_server_scope: 'user' });
  });

  it('stores one log record with its resource attributes and scope as raw', () => {
    const [first] = rows(otlp.decode(sample(), CTX));
    const raw = JSON.parse(first!.raw);
    expect(raw.scope).toEqual({ name: 'com.anthropic.claude_code.events', version: '2.1.200' });
    expect(raw.resource.attributes).toContainEqual({ key: 'team.id', value: { stringValue: 'platform' } });
    expect(raw.logRecord.body).toEqual({ stringValue: 'claude_code.user_prompt' });
    expect(raw.logRecord.timeUnixNano).toBe('1787148190512000000');
  });

  it('keeps logged prompt and tool text out of raw and attributes', () => {
    const doc = sample();
    const [prompt, , tool] = logRecords(doc);
    setAttr(prompt!, 'prompt', { stringValue: PROMPT });
    setAttr(prompt!, 'prompt_length', undefined);
    setAttr(tool!, 'tool_parameters', { stringValue: '{"title":"rotate SECRET-MARKER-4410"}' });
    setAttr(tool!, 'tool_input', { kvlistValue: { values: [{ key: 'body', value: { stringValue: 'SECRET-MARKER-4410' } }] } });
    const out = otlp.decode(doc, CTX);
    expect(out.rejects).toEqual([]);
    const [p, , t] = rows(out);
    expect(p).toMatchObject({ prompt_logged: 1, prompt_bytes: Buffer.byteLength(PROMPT), prompt_text: '' });
    expect(p!.prompt_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(out)).not.toContain('SECRET-MARKER-4410');
    expect(t!.attributes).not.toHaveProperty('tool_parameters');
    expect(JSON.parse(p!.raw).logRecord.attributes).toContainEqual({
      key: 'prompt',
      value: { stringValue: expect.stringMatching(/^\[redacted \d+ bytes sha256:[0-9a-f]{16}\]$/) },
    });

    const opted = rows(otlp.decode(doc, { ...CTX, storePromptText: true }));
    expect(opted[0]!.prompt_text).toBe(PROMPT);
  });

  it('lets record attributes win over resource attributes', () => {
    const doc = sample();
    setAttr(logRecords(doc)[1]!, 'team.id', { stringValue: 'data-science' });
    const [p, a] = rows(otlp.decode(doc, CTX));
    expect(p!.team_id).toBe('platform');
    expect(a!.team_id).toBe('data-science');
  });

  it('uses timeUnixNano, then observedTimeUnixNano, when event.timestamp is absent', () => {
    const doc = sample();
    const [first, second] = logRecords(doc);
    setAttr(first!, 'event.timestamp', undefined);
    setAttr(second!, 'event.timestamp', undefined);
    second!['timeUnixNano'] = '0';
    const [p, a] = rows(otlp.decode(doc, CTX));
    expect(p!.event_time).toBe('2026-08-19 14:03:10.512');
    expect(a!.event_time).toBe('2026-08-19 14:03:19.872');
  });

  it('accepts intValue as a number and mixed-case e-mails', () => {
    const doc = sample();
    const api = logRecords(doc)[1]!;
    setAttr(api, 'input_tokens', { intValue: 212 });
    setAttr(api, 'user.email', { stringValue: 'Alice@Example.com' });
    const [, row] = rows(otlp.decode(doc, CTX));
    expect(row).toMatchObject({ uncached_input_tokens: 212, user_email: 'alice@example.com' });
  });

  it('rejects a bad log record on its own; siblings proceed', () => {
    const doc = sample();
    const records = logRecords(doc);
    records[0]!['attributes'] = { 'event.name': 'user_prompt' };
    setAttr(records[1]!, 'output_tokens', { stringValue: 'many' });
    const out = otlp.decode(doc, CTX);
    expect(rows(out).map((r) => r.event_name)).toEqual(['tool_result']);
    expect(out.rejects.map((r) => r.detail.split(':')[0])).toEqual(['logRecord.attributes', 'attributes.output_tokens']);
    expect(out.rejects.every((r) => r.reason === 'schema_violation' && r.format === 'otel.otlp_json')).toBe(true);
  });

  it('rejects a malformed resourceLogs entry without failing the others', () => {
    const doc = sample();
    doc['resourceLogs'].unshift({ scopeLogs: 'nope' });
    const out = otlp.decode(doc, CTX);
    expect(rows(out)).toHaveLength(3);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]!.detail).toMatch(/^resourceLogs\.0\.scopeLogs: /);
  });

  it('matches OTLP requests only', () => {
    expect(otlp.matches(sample())).toBe(true);
    expect(otlp.matches({ resourceLogs: {} })).toBe(false);
    expect(otlp.matches({ resourceMetrics: [] })).toBe(false);
  });
});
