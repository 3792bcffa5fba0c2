import { describe, it, expect } from 'vitest';
import { liteLlmSpendLogDecoder, postgresTime } from './litellm-spend-log.ts';
import type { DecodeOutput } from '../types.ts';
import { CTX, claimedSamples, loadSample, onlyRow } from '../test-support.ts';

const row = (out: DecodeOutput) => onlyRow(out, 'gateway_requests');
const decode = (doc: unknown, c = CTX) => liteLlmSpendLogDecoder.decode(doc, c);

describe('litellm.spend_log decoder', () => {
  it('normalises the formats.md sample', () => {
    const r = row(decode(loadSample('litellm-spend-log')));
    const { raw, ...rest } = r;
    expect(rest).toEqual({
      event_time: '2026-08-19 14:03:11.512',
      format: 'litellm.spend_log',
      gateway: 'litellm',
      request_id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      session_id: 'e96634a3-fa28-4083-b354-55542e2dca01',
      client_request_id: '',
      api_key_id: '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b',
      api_key_alias: 'alice-claude-code',
      user_id: 'alice@example.com',
      user_email: 'alice@example.com',
      end_user: '',
      team_id: 'team-platform-eng',
      org_id: 'org-acme',
      provider: 'anthropic',
      model_requested: 'claude-sonnet',
      model_served: 'claude-sonnet-4-5-20250929',
      upstream: 'https://api.anthropic.com/v1/messages',
      route: '',
      call_type: 'anthropic_messages',
      tags: ['claude-code'],
      user_agent: '',
      client_ip: '10.20.1.17',
      status: 'success',
      cost_usd: 0.0421,
      duration_ms: 6532,
      // N1: prompt_tokens 47890 = 390 uncached + 45100 cache read + 2400 cache write.
      uncached_input_tokens: 390,
      cache_read_tokens: 45100,
      cache_write_tokens: 2400,
      output_tokens: 320,
      prompt_logged: 0,
      response_logged: 0,
      prompt_bytes: 0,
      prompt_sha256: '',
      response_bytes: 0,
      response_sha256: '',
      prompt_text: '',
      response_text: '',
      tool_names: [],
      mcp_servers: [],
    });
    expect(JSON.parse(raw).request_id).toBe('msg_01XFDUDYJgAACzvnptvVoYEL');
  });

  it('lower-cases e-mails but keeps the user id as sent', () => {
    const doc = loadSample('litellm-spend-log');
    doc.user = 'Alice.Smith@Example.COM';
    doc.metadata.user_api_key_user_id = 'Alice.Smith@Example.COM';
    const r = row(decode(doc));
    expect(r.user_email).toBe('alice.smith@example.com');
    expect(r.user_id).toBe('Alice.Smith@Example.COM');
  });

  it('fingerprints stored prompts without keeping their text unless opted in', () => {
    const doc = loadSample('litellm-spend-log');
    const secret = 'please rotate the prod database password hunter2';
    doc.messages = [{ role: 'user', content: secret }];
    doc.response = { content: [{ type: 'text', text: 'ok' }] };
    const r = row(decode(doc));
    expect(r.prompt_logged).toBe(1);
    expect(r.prompt_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.prompt_bytes).toBe(Buffer.byteLength(JSON.stringify(doc.messages)));
    expect(r.prompt_text).toBe('');
    expect(r.response_logged).toBe(1);
    expect(r.raw).not.toContain(secret);

    const kept = row(decode(doc, { ...CTX, storePromptText: true }));
    expect(kept.prompt_text).toBe(JSON.stringify(doc.messages));
    expect(kept.prompt_sha256).toBe(r.prompt_sha256);
  });

  it('accepts Postgres and zone-less timestamptz text as UTC', () => {
    expect(postgresTime('2026-08-19 14:03:11.512+00')).toBe('2026-08-19 14:03:11.512+00:00');
    for (const startTime of ['2026-08-19 14:03:11.512+00', '2026-08-19T14:03:11.512', '2026-08-19T16:03:11.512+02:00']) {
      const doc = loadSample('litellm-spend-log');
      doc.startTime = startTime;
      expect(row(decode(doc)).event_time).toBe('2026-08-19 14:03:11.512');
    }
  });

  it('falls back to endTime - startTime without request_duration_ms', () => {
    const doc = loadSample('litellm-spend-log');
    delete doc.request_duration_ms;
    doc.endTime = '2026-08-19 14:03:18.044+00';
    expect(row(decode(doc)).duration_ms).toBe(6532);
  });

  it('rejects a non-numeric token count with its path', () => {
    const doc = loadSample('litellm-spend-log');
    doc.prompt_tokens = 'abc';
    const out = decode(doc);
    expect(out.records).toEqual([]);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]).toMatchObject({ reason: 'schema_violation', format: 'litellm.spend_log' });
    expect(out.rejects[0]!.detail).toContain('prompt_tokens');
  });

  it('rejects a row without startTime', () => {
    const doc = loadSample('litellm-spend-log');
    delete doc.startTime;
    expect(liteLlmSpendLogDecoder.matches(doc)).toBe(true);
    const out = decode(doc);
    expect(out.rejects[0]?.reason).toBe('schema_violation');
    expect(out.rejects[0]?.detail).toContain('startTime');
  });

  it('rejects implausible times instead of storing them', () => {
    for (const startTime of ['2100-01-01T00:00:00Z', '1970-01-21T00:00:00Z', 'yesterday']) {
      const doc = loadSample('litellm-spend-log');
      doc.startTime = startTime;
      const out = decode(doc);
      expect(out.records).toEqual([]);
      expect(out.rejects[0]?.reason).toBe('schema_violation');
      expect(out.rejects[0]?.detail).toMatch(/^startTime: /);
    }
  });

  it('never throws on non-object input', () => {
    for (const bad of [null, 'x', 42, [], [loadSample('litellm-spend-log')]]) {
      const out = decode(bad);
      expect(out.records).toEqual([]);
      expect(out.rejects[0]?.reason).toBe('schema_violation');
    }
  });

  it('splits MCP tool names and masks tool arguments in raw', () => {
    const doc = loadSample('litellm-spend-log');
    doc.mcp_namespaced_tool_name = 'github/create_issue';
    doc.metadata.mcp_tool_call_metadata = {
      name: 'create_issue',
      mcp_server_name: 'github',
      arguments: { body: 'token ghp_supersecret' },
      result: { url: 'https://github.com/acme/x/issues/1' },
    };
    const r = row(decode(doc));
    expect(r.tool_names).toEqual(['create_issue']);
    expect(r.mcp_servers).toEqual(['github']);
    expect(r.raw).not.toContain('ghp_supersecret');

    doc.mcp_namespaced_tool_name = 'jira__search_issues';
    delete doc.metadata.mcp_tool_call_metadata;
    const d = row(decode(doc));
    expect(d.tool_names).toEqual(['search_issues']);
    expect(d.mcp_servers).toEqual(['jira']);
  });

  it('reads metadata and tags stored as JSON text', () => {
    const doc = loadSample('litellm-spend-log');
    doc.metadata = JSON.stringify(doc.metadata);
    doc.request_tags = '["claude-code","ci"]';
    const r = row(decode(doc));
    expect(r.cache_read_tokens).toBe(45100);
    expect(r.api_key_alias).toBe('alice-claude-code');
    expect(r.tags).toEqual(['claude-code', 'ci']);
  });

  it('prefers the agent session header, when logged, over the gateway session id', () => {
    const doc = loadSample('litellm-spend-log');
    doc.session_id = '00000000-0000-4000-8000-000000000000';
    doc.metadata.requester_custom_headers = {
      'X-Claude-Code-Session-Id': 'e96634a3-fa28-4083-b354-55542e2dca01',
      'x-client-request-id': 'req-123',
    };
    const r = row(decode(doc));
    expect(r.session_id).toBe('e96634a3-fa28-4083-b354-55542e2dca01');
    expect(r.client_request_id).toBe('req-123');
  });

  it('never reports negative uncached input when the cache breakdown exceeds prompt_tokens', () => {
    const doc = loadSample('litellm-spend-log');
    doc.prompt_tokens = 1000;
    expect(row(decode(doc)).uncached_input_tokens).toBe(0);
  });

  it('does not match the other gateway formats', () => {
    expect(claimedSamples(liteLlmSpendLogDecoder)).toEqual(['litellm-spend-log']);
    expect(liteLlmSpendLogDecoder.matches(null)).toBe(false);
  });
});
