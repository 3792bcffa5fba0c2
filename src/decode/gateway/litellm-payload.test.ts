import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { liteLlmPayloadDecoder } from './litellm-payload.ts';
import type { DecodeOutput } from '../types.ts';
import { CTX, claimedSamples, loadSample, onlyRow } from '../test-support.ts';

const row = (out: DecodeOutput) => onlyRow(out, 'gateway_requests');
const decode = (doc: unknown, c = CTX) => liteLlmPayloadDecoder.decode(doc, c);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('litellm.payload decoder', () => {
  it('normalises the StandardLoggingPayload sample', () => {
    const doc = loadSample('litellm-payload');
    const { raw, ...rest } = row(decode(doc));
    expect(rest).toEqual({
      event_time: '2026-08-19 14:03:11.512',
      format: 'litellm.payload',
      gateway: 'litellm',
      request_id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      session_id: 'e96634a3-fa28-4083-b354-55542e2dca01',
      client_request_id: '0f6c2a1e-8d4b-4f7a-9c3e-5b2d1a0e9f8c',
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
      route: '/v1/messages',
      call_type: 'anthropic_messages',
      tags: ['claude-code'],
      user_agent: 'claude-cli/2.1.200 (external, cli)',
      client_ip: '10.20.1.17',
      status: 'success',
      cost_usd: 0.0285,
      duration_ms: 6532,
      uncached_input_tokens: 390,
      cache_read_tokens: 45100,
      cache_write_tokens: 2400,
      output_tokens: 320,
      prompt_logged: 1,
      response_logged: 1,
      prompt_bytes: Buffer.byteLength(JSON.stringify(doc.messages)),
      prompt_sha256: sha256(JSON.stringify(doc.messages)),
      response_bytes: Buffer.byteLength(JSON.stringify(doc.response)),
      response_sha256: sha256(JSON.stringify(doc.response)),
      prompt_text: '',
      response_text: '',
      tool_names: [],
      mcp_servers: [],
    });
    // Prompt and response text stay out of the stored evidence unless opted in.
    expect(raw).not.toContain('exponential backoff');
    expect(raw).not.toContain('capped exponential');
    expect(JSON.parse(raw).metadata.user_api_key_hash).toBe(doc.metadata.user_api_key_hash);
  });

  it('keeps prompt text only when storePromptText is set', () => {
    const doc = loadSample('litellm-payload');
    const r = row(decode(doc, { ...CTX, storePromptText: true }));
    expect(r.prompt_text).toBe(JSON.stringify(doc.messages));
    expect(r.response_text).toBe(JSON.stringify(doc.response));
    expect(r.raw).toContain('exponential backoff');
  });

  it('marks turned-off message logging as not logged', () => {
    const doc = loadSample('litellm-payload');
    doc.messages = '{}';
    doc.response = null;
    const r = row(decode(doc));
    expect([r.prompt_logged, r.prompt_bytes, r.prompt_sha256]).toEqual([0, 0, '']);
    expect(r.response_logged).toBe(0);
  });

  it('takes the session from the agent header, then trace_id, then any x-*-session-id header', () => {
    const doc = loadSample('litellm-payload');
    doc.trace_id = '7d3c5e1f-aaaa-4bbb-8ccc-000000000000';
    expect(row(decode(doc)).session_id).toBe('e96634a3-fa28-4083-b354-55542e2dca01');

    delete doc.metadata.requester_custom_headers['x-claude-code-session-id'];
    expect(row(decode(doc)).session_id).toBe('7d3c5e1f-aaaa-4bbb-8ccc-000000000000');

    doc.trace_id = null;
    doc.metadata.requester_custom_headers['x-agent-session-id'] = 'short';
    doc.metadata.requester_custom_headers['X-Codex-Session-Id'] = 'sess_ABCdef123';
    expect(row(decode(doc)).session_id).toBe('sess_ABCdef123');
  });

  it('lower-cases the key owner e-mail', () => {
    const doc = loadSample('litellm-payload');
    doc.metadata.user_api_key_user_email = 'Alice@Example.COM';
    doc.metadata.user_api_key_user_id = 'u-123';
    const r = row(decode(doc));
    expect(r.user_email).toBe('alice@example.com');
    expect(r.user_id).toBe('u-123');
  });

  it('finds the cache split in whichever usage object carries it', () => {
    const doc = loadSample('litellm-payload');
    delete doc.hidden_params.usage_object;
    expect(row(decode(doc)).cache_write_tokens).toBe(2400);

    // An OpenAI upstream: prompt_tokens includes prompt_tokens_details.cached_tokens.
    const openai = loadSample('litellm-payload');
    openai.prompt_tokens = 1000;
    openai.completion_tokens = 50;
    openai.hidden_params.usage_object = { prompt_tokens: 1000, prompt_tokens_details: { cached_tokens: 800 } };
    delete openai.metadata.usage_object;
    const r = row(decode(openai));
    expect([r.uncached_input_tokens, r.cache_read_tokens, r.cache_write_tokens, r.output_tokens]).toEqual([200, 800, 0, 50]);
  });

  it('falls back to cost_breakdown.total_cost and strips routing prefixes from models', () => {
    const doc = loadSample('litellm-payload');
    delete doc.response_cost;
    doc.model = 'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0';
    doc.custom_llm_provider = 'bedrock';
    const r = row(decode(doc));
    expect(r.cost_usd).toBe(0.0285);
    expect(r.model_served).toBe('claude-sonnet-4-5-20250929');
    expect(r.provider).toBe('bedrock');
  });

  it('decides the epoch unit by magnitude: seconds and milliseconds give the same instant', () => {
    const doc = loadSample('litellm-payload');
    doc.startTime = 1787148191512;
    doc.endTime = 1787148198044;
    const r = row(decode(doc));
    expect(r.event_time).toBe('2026-08-19 14:03:11.512');
    expect(r.duration_ms).toBe(6532);
  });

  it('rejects an out-of-range startTime', () => {
    for (const startTime of [4102444800, 1787148, -1]) {
      const doc = loadSample('litellm-payload');
      doc.startTime = startTime;
      const out = decode(doc);
      expect(out.records).toEqual([]);
      expect(out.rejects[0]).toMatchObject({ reason: 'schema_violation', format: 'litellm.payload' });
      expect(out.rejects[0]!.detail).toMatch(/^startTime: /);
      expect(out.rejects[0]!.raw).not.toContain('exponential backoff');
    }
  });

  it('rejects schema violations with their paths', () => {
    const bad = loadSample('litellm-payload');
    bad.prompt_tokens = 'abc';
    bad.metadata.usage_object.cache_read_input_tokens = -5;
    const out = decode(bad);
    expect(out.rejects[0]?.reason).toBe('schema_violation');
    expect(out.rejects[0]?.detail).toContain('prompt_tokens');
    expect(out.rejects[0]?.detail).toContain('metadata.usage_object.cache_read_input_tokens');

    const words = loadSample('litellm-payload');
    words.startTime = 'yesterday';
    expect(decode(words).rejects[0]?.detail).toMatch(/^startTime: /);

    const notJson = loadSample('litellm-payload');
    notJson.metadata = '{not json';
    expect(decode(notJson).rejects[0]?.detail).toContain('metadata');

    const missing = loadSample('litellm-payload');
    delete missing.startTime;
    expect(liteLlmPayloadDecoder.matches(missing)).toBe(true);
    expect(decode(missing).rejects[0]?.detail).toContain('startTime');
  });

  it('reports MCP tool calls without keeping their arguments', () => {
    const doc = loadSample('litellm-payload');
    doc.metadata.mcp_tool_call_metadata = {
      name: 'deepwiki-mcp/get_page_content',
      namespaced_tool_name: 'deepwiki-mcp/get_page_content',
      mcp_server_name: 'deepwiki-mcp',
      arguments: { page: 'internal-roadmap-2027' },
    };
    const r = row(decode(doc));
    expect(r.tool_names).toEqual(['get_page_content']);
    expect(r.mcp_servers).toEqual(['deepwiki-mcp']);
    expect(r.raw).not.toContain('internal-roadmap-2027');
  });

  it('does not match the other gateway formats', () => {
    expect(claimedSamples(liteLlmPayloadDecoder)).toEqual(['litellm-payload-pubsub', 'litellm-payload']);
    expect(liteLlmPayloadDecoder.matches('msg_01')).toBe(false);
  });

  // LiteLLM's GCS Pub/Sub logger test fixture (BerriAI/litellm
  // tests/logging_callback_tests/gcs_pub_sub_body/standard_logging_payload.json): naive UTC
  // datetime strings; metadata and request_tags as JSON text like the same logger's SpendLogs body.
  describe('Pub/Sub variant (formats.md "Real variants")', () => {
    it('accepts naive datetime strings as UTC and JSON-text metadata and tags', () => {
      const r = row(decode(loadSample('litellm-payload-pubsub')));
      expect(r).toMatchObject({
        event_time: '2025-01-24 09:20:46.847',
        duration_ms: 4,
        request_id: 'chatcmpl-2299b6a2-82a3-465a-b47c-04e685a2227f',
        api_key_id: '5e3c2a91d07b4f6e8a1c9d2b3f4e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f',
        api_key_alias: 'support-bot',
        user_id: 'svc-support-bot',
        team_id: 'team-support',
        tags: ['support-bot'],
        provider: 'openai',
        model_served: 'gpt-4o',
        upstream: 'https://api.openai.com',
        cost_usd: 0.00022500000000000002,
        uncached_input_tokens: 10,
        output_tokens: 20,
        prompt_logged: 1,
      });
      expect(r.raw).not.toContain('Hello, world!');
    });

    it('keeps end_user: the person a service key called on behalf of', () => {
      expect(row(decode(loadSample('litellm-payload-pubsub'))).end_user).toBe('carol@example.com');
      // Without the top-level field, the key metadata's end-user id; a non-e-mail id is kept as sent.
      const doc = loadSample('litellm-payload-pubsub');
      delete doc.end_user;
      doc.metadata = JSON.stringify({ ...JSON.parse(doc.metadata), user_api_key_end_user_id: 'cust-4711' });
      expect(row(decode(doc)).end_user).toBe('cust-4711');
      expect(row(decode(loadSample('litellm-payload'))).end_user).toBe('');
    });

    it('gives the same instant for a naive string and the epoch float LiteLLM logs elsewhere', () => {
      const asText = loadSample('litellm-payload-pubsub');
      const asFloat = loadSample('litellm-payload-pubsub');
      asFloat.startTime = Date.UTC(2025, 0, 24, 9, 20, 46, 847) / 1000;
      expect(row(decode(asFloat)).event_time).toBe(row(decode(asText)).event_time);
    });
  });
});
