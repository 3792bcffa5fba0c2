import { describe, it, expect } from 'vitest';
import { kongAiMcpDecoder, kongAiProxyDecoder } from './kong-ai.ts';
import { gatewayDecoders } from './index.ts';
import type { DecodeOutput } from '../types.ts';
import { CTX, claimedSamples, loadSample, onlyRow } from '../test-support.ts';

const row = (out: DecodeOutput) => onlyRow(out, 'gateway_requests');
const decode = (doc: unknown, c = CTX) => kongAiProxyDecoder.decode(doc, c);

describe('kong.ai_proxy decoder', () => {
  it('normalises the formats.md sample', () => {
    const { raw, ...rest } = row(decode(loadSample('kong-ai')));
    expect(rest).toEqual({
      event_time: '2026-08-19 14:03:11.512',
      format: 'kong.ai_proxy',
      gateway: 'kong',
      request_id: '9ec9264afbbbad5fe5c64877d92eeb04',
      session_id: 'e96634a3-fa28-4083-b354-55542e2dca01',
      client_request_id: '',
      api_key_id: 'c62c1455-9b1d-4f2d-8797-509ba83b8ae8',
      api_key_alias: 'alice@example.com',
      user_id: 'ae974d6c-0f8a-4dc5-b701-fa0aa38592bd',
      user_email: 'alice@example.com',
      end_user: '',
      team_id: 'team-platform-eng',
      org_id: '',
      provider: 'anthropic',
      model_requested: 'claude-sonnet-4-5',
      model_served: 'claude-sonnet-4-5-20250929',
      upstream: '',
      route: 'claude-code-anthropic',
      call_type: 'stream',
      tags: [],
      user_agent: 'claude-cli/2.1.200 (external, cli)',
      client_ip: '10.20.1.17',
      status: 'success',
      cost_usd: 0.0421,
      duration_ms: 6532,
      // N1, OpenAI semantics: 47890 prompt tokens include the 45100 cached ones.
      uncached_input_tokens: 2790,
      cache_read_tokens: 45100,
      cache_write_tokens: 0,
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
    expect(JSON.parse(raw).request.headers.authorization).toBe('REDACTED');
  });

  it('reads headers case-insensitively and falls back to any x-*-session-id header', () => {
    const doc = loadSample('kong-ai');
    doc.request.headers = {
      'User-Agent': 'claude-cli/2.1.200 (external, cli)',
      'X-Claude-Code-Session-Id': ['e96634a3-fa28-4083-b354-55542e2dca01'],
      'X-Client-Request-Id': 'c1d2e3f4-0000-4000-8000-000000000001',
    };
    const r = row(decode(doc));
    expect(r.session_id).toBe('e96634a3-fa28-4083-b354-55542e2dca01');
    expect(r.client_request_id).toBe('c1d2e3f4-0000-4000-8000-000000000001');
    expect(r.user_agent).toBe('claude-cli/2.1.200 (external, cli)');

    doc.request.headers = { 'x-trace-session-id': 'no', 'x-cursor-session-id': 'cur_9f8e7d6c5b' };
    expect(row(decode(doc)).session_id).toBe('cur_9f8e7d6c5b');
  });

  it('lower-cases the consumer e-mail and falls back to the consumer for the key id', () => {
    const doc = loadSample('kong-ai');
    doc.consumer.username = 'Alice@Example.COM';
    delete doc.authenticated_entity;
    const r = row(decode(doc));
    expect(r.user_email).toBe('alice@example.com');
    expect(r.api_key_alias).toBe('Alice@Example.COM');
    expect(r.api_key_id).toBe('ae974d6c-0f8a-4dc5-b701-fa0aa38592bd');
  });

  it('treats started_at by magnitude: ms (Kong) and s give the same instant', () => {
    const doc = loadSample('kong-ai');
    doc.started_at = 1787148191.512;
    expect(row(decode(doc)).event_time).toBe('2026-08-19 14:03:11.512');
  });

  it('rejects an out-of-range started_at', () => {
    for (const startedAt of [4102444800000, 1000, 0]) {
      const doc = loadSample('kong-ai');
      doc.started_at = startedAt;
      const out = decode(doc);
      expect(out.records).toEqual([]);
      expect(out.rejects[0]).toMatchObject({ reason: 'schema_violation', format: 'kong.ai_proxy' });
      expect(out.rejects[0]!.detail).toMatch(/^started_at: /);
    }
  });

  it('fingerprints logged payloads and keeps them out of raw', () => {
    const doc = loadSample('kong-ai');
    const prompt = JSON.stringify({ messages: [{ role: 'user', content: 'summarise the incident channel for #sec-42' }] });
    doc.ai.proxy.payload = { request: prompt, response: '{"content":[{"text":"done"}]}' };
    const r = row(decode(doc));
    expect(r.prompt_logged).toBe(1);
    expect(r.prompt_bytes).toBe(Buffer.byteLength(prompt));
    expect(r.prompt_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.prompt_text).toBe('');
    expect(r.response_logged).toBe(1);
    expect(r.raw).not.toContain('#sec-42');

    expect(row(decode(doc, { ...CTX, storePromptText: true })).prompt_text).toBe(prompt);
  });

  it('maps status, upstream host and MCP tool calls', () => {
    const doc = loadSample('kong-ai');
    doc.response.status = 529;
    doc.tries = [{ ip: '160.79.104.10', port: 443, hostname: 'api.anthropic.com' }];
    doc.ai.mcp = {
      mcp_session_id: 'mcp-1',
      rpc: [
        { id: '1', method: 'tools/list', latency: 3 },
        { id: '2', method: 'tools/call', tool_name: 'search_issues', latency: 40 },
      ],
    };
    const r = row(decode(doc));
    expect(r.status).toBe('failure');
    expect(r.upstream).toBe('api.anthropic.com');
    expect(r.tool_names).toEqual(['search_issues']);
    expect(r.mcp_servers).toEqual(['ai-gateway']);
  });

  it('rejects schema violations with their paths', () => {
    const bad = loadSample('kong-ai');
    bad.ai.proxy.usage.prompt_tokens = 'abc';
    const out = decode(bad);
    expect(out.records).toEqual([]);
    expect(out.rejects[0]?.reason).toBe('schema_violation');
    expect(out.rejects[0]?.detail).toContain('ai.proxy.usage.prompt_tokens');

    const missing = loadSample('kong-ai');
    delete missing.started_at;
    expect(decode(missing).rejects[0]?.detail).toContain('started_at');
  });

  it('matches only Kong AI Proxy logs', () => {
    expect(claimedSamples(kongAiProxyDecoder)).toEqual(['kong-ai-proxy-3-6', 'kong-ai']);
    const plain = loadSample('kong-ai');
    delete plain.ai;
    expect(kongAiProxyDecoder.matches(plain)).toBe(false);
  });
});

// Kong 3.6/3.7: statistics under the plugin name, singular token counts, request payload at
// ai.payload (Kong/docs.konghq.com, AI audit log reference of those releases).
describe('kong.ai_proxy decoder, 3.6/3.7 shape', () => {
  it('reads ai["ai-proxy"] like ai.proxy', () => {
    const r = row(decode(loadSample('kong-ai-proxy-3-6')));
    expect(r).toMatchObject({
      format: 'kong.ai_proxy',
      event_time: '2025-01-24 09:20:46.847',
      provider: 'cohere',
      model_requested: 'command',
      model_served: 'command',
      uncached_input_tokens: 28,
      cache_read_tokens: 0,
      output_tokens: 20,
      cost_usd: 0.0038,
      user_email: 'bob@example.com',
      team_id: 'team-data',
      session_id: '7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
      upstream: 'api.cohere.com',
      prompt_logged: 1,
      response_logged: 1,
      status: 'success',
    });
    expect(r.raw).not.toContain('INC-2231');
  });

  it('reads the AI Proxy Advanced plugin name too, and prefers the plural counts when both exist', () => {
    const doc = loadSample('kong-ai-proxy-3-6');
    doc.ai['ai-proxy-advanced'] = doc.ai['ai-proxy'];
    delete doc.ai['ai-proxy'];
    doc.ai['ai-proxy-advanced'].usage.prompt_tokens = 30;
    const r = row(decode(doc));
    expect(r.provider).toBe('cohere');
    expect(r.uncached_input_tokens).toBe(30);
  });
});

// Kong AI MCP plugin (Kong/developer.konghq.com, AI Gateway audit log reference, MCP section):
// `ai.mcp` and no proxy section.
describe('kong.ai_mcp decoder', () => {
  it('maps an MCP-only request: tool, server, person and session, no model or tokens', () => {
    const r = row(kongAiMcpDecoder.decode(loadSample('kong-ai-mcp'), CTX));
    expect(r).toMatchObject({
      format: 'kong.ai_mcp',
      gateway: 'kong',
      event_time: '2026-08-19 14:05:00.120',
      call_type: 'mcp',
      tool_names: ['list_orders_for_user'],
      mcp_servers: ['orders-mcp'],
      user_email: 'alice@example.com',
      session_id: 'e96634a3-fa28-4083-b354-55542e2dca01',
      provider: '',
      model_requested: '',
      uncached_input_tokens: 0,
      output_tokens: 0,
      upstream: 'orders-api.internal',
      status: 'success',
      duration_ms: 46,
    });
    // JSON-RPC payloads are content: tool arguments and results stay out of raw.
    expect(r.raw).not.toContain('Dana Smith');
    expect(r.raw).not.toContain('u-1001');
  });

  it('claims only MCP-only records; a record with a proxy section stays an AI Proxy record', () => {
    expect(claimedSamples(kongAiMcpDecoder)).toEqual(['kong-ai-mcp']);
    const both = loadSample('kong-ai');
    both.ai.mcp = loadSample('kong-ai-mcp').ai.mcp;
    expect(kongAiMcpDecoder.matches(both)).toBe(false);
    expect(kongAiProxyDecoder.matches(both)).toBe(true);
  });

  it('rejects a malformed rpc list with its path', () => {
    const bad = loadSample('kong-ai-mcp');
    bad.ai.mcp.rpc = 'tools/call';
    const out = kongAiMcpDecoder.decode(bad, CTX);
    expect(out.rejects[0]?.reason).toBe('schema_violation');
    expect(out.rejects[0]?.detail).toContain('ai.mcp.rpc');
  });
});

describe('gatewayDecoders', () => {
  it('routes every sample to exactly its own decoder', () => {
    const expected: Record<string, string> = {
      'litellm-spend-log': 'litellm.spend_log',
      'litellm-payload': 'litellm.payload',
      'kong-ai': 'kong.ai_proxy',
      'kong-ai-proxy-3-6': 'kong.ai_proxy',
      'kong-ai-mcp': 'kong.ai_mcp',
      'litellm-payload-pubsub': 'litellm.payload',
    };
    for (const [sample, format] of Object.entries(expected)) {
      const doc = loadSample(sample);
      expect(gatewayDecoders.filter((d) => d.matches(doc)).map((d) => d.format)).toEqual([format]);
    }
    expect(gatewayDecoders.every((d) => d.source === 'gateway')).toBe(true);
  });
});
