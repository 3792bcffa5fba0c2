import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../decode/message.ts';
import { SOURCE_KINDS } from '../decode/types.ts';
import { allSamples, CTX, loadSample } from '../decode/test-support.ts';
import { hasNaturalKey, LOOKUP_COLUMNS, naturalKey } from './natural-key.ts';
import type { DataTable } from './rows.ts';

/** The natural keys of one message's records, as `table:key` ('' = no key; provider_keys has none). */
function keysOf(doc: unknown): string[] {
  const value = Buffer.from(JSON.stringify(doc));
  for (const source of SOURCE_KINDS) {
    const out = decodeMessage(source, value, CTX, { maxMessageBytes: 1 << 20 });
    if (out.records.length > 0) {
      return out.records.map((r) => `${r.table}:${hasNaturalKey(r.table) ? naturalKey(r.table, r.row as never) : '-'}`);
    }
  }
  throw new Error('no decoder produced a record');
}

describe('natural keys per format', () => {
  it('gateway: (gateway, request id) for LiteLLM SpendLogs, StandardLoggingPayload and Kong', () => {
    expect(keysOf(loadSample('litellm-spend-log'))).toEqual(['gateway_requests:litellm/msg_01XFDUDYJgAACzvnptvVoYEL']);
    expect(keysOf(loadSample('litellm-payload-pubsub'))).toEqual(['gateway_requests:litellm/chatcmpl-2299b6a2-82a3-465a-b47c-04e685a2227f']);
    expect(keysOf(loadSample('kong-ai'))).toEqual(['gateway_requests:kong/9ec9264afbbbad5fe5c64877d92eeb04']);
    expect(keysOf(loadSample('kong-ai-mcp'))).toEqual(['gateway_requests:kong/b7e6d5c4a3b2c1d0e9f8a7b6c5d4e3f2']);
  });

  it('gateway: a Kong log without a request id has no key', () => {
    const doc = loadSample('kong-ai');
    delete doc.request.id;
    delete doc.response.headers['x-kong-request-id'];
    expect(keysOf(doc)).toEqual(['gateway_requests:']);
  });

  it('agent: (session, event.sequence, event name), flat and OTLP; none without a sequence or a session', () => {
    expect(keysOf(loadSample('claude-code-flat'))).toEqual(['agent_events:e96634a3-fa28-4083-b354-55542e2dca01/42/api_request']);
    expect(keysOf(loadSample('claude-code-otlp'))).toEqual([
      'agent_events:e96634a3-fa28-4083-b354-55542e2dca01/43/user_prompt',
      'agent_events:e96634a3-fa28-4083-b354-55542e2dca01/44/api_request',
      'agent_events:e96634a3-fa28-4083-b354-55542e2dca01/45/tool_result',
    ]);
    const unnumbered = loadSample('claude-code-flat');
    delete unnumbered.attributes['event.sequence'];
    expect(keysOf(unnumbered)).toEqual(['agent_events:']);
    const sessionless = loadSample('claude-code-flat');
    delete sessionless.attributes['session.id'];
    expect(keysOf(sessionless)).toEqual(['agent_events:']);
  });

  it('idp: Okta uuid and Entra id, single, list and diagnostic envelope', () => {
    expect(keysOf(loadSample('okta-token-grant'))).toEqual(['idp_events:okta/f790999f-fe87-467a-9880-6982a583986c']);
    expect(keysOf(loadSample('entra-signin-interactive'))).toEqual(['idp_events:entra/1691d37b-8579-43a7-966a-0f35583c1300']);
    expect(keysOf(loadSample('entra-diagnostic-envelope'))).toEqual([
      'idp_events:entra/8a3f5c2e-91b4-4d7e-a6c0-2f1e9d8b7a00', 'idp_events:entra/c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d0100',
    ]);
  });

  it('billing: a Bedrock invocation by its request id', () => {
    expect(keysOf(loadSample('bedrock-invocation'))).toEqual(['provider_usage:bedrock/invocation/915a6a04-3f83-4c70-a277-7fbf7ea546b3']);
  });

  it('billing: a bucket by its identity and figures — the same export twice is one record, a re-export with other figures is another', () => {
    for (const name of ['openai-usage', 'anthropic-usage', 'anthropic-cost', 'openai-costs', 'anthropic-claude-code', 'openai-usage-embeddings']) {
      const keys = keysOf(loadSample(name));
      expect(keys.every((k) => /^provider_usage:(openai|anthropic)\/[a-z_]+\/[0-9a-f]{32}$/.test(k)), name).toBe(true);
      expect(keysOf(loadSample(name)), name).toEqual(keys);
    }
    const usage = loadSample('openai-usage');
    const before = keysOf(usage);
    usage.data[0].results[0].output_tokens += 1;
    expect(keysOf(usage)).not.toEqual(before);
    const cost = loadSample('anthropic-cost');
    const costBefore = keysOf(cost);
    cost.data[0].results[0].amount = String(Number(cost.data[0].results[0].amount) + 1);
    expect(keysOf(cost)).not.toEqual(costBefore);
  });

  it('provider key inventories have no natural key', () => {
    expect(keysOf(loadSample('anthropic-api-keys'))).toEqual(['provider_keys:-']);
    expect(hasNaturalKey('provider_keys')).toBe(false);
  });

  it('every sample: records of one message have distinct keys, and decoding again gives the same keys', () => {
    for (const [name, doc] of allSamples()) {
      const keys = keysOf(doc).filter((k) => !k.endsWith(':') && !k.endsWith(':-'));
      expect(new Set(keys).size, name).toBe(keys.length);
      expect(keysOf(doc).filter((k) => !k.endsWith(':') && !k.endsWith(':-')), name).toEqual(keys);
    }
  });

  it('looks keys up by a prefix of each table ORDER BY that ends with event_time', () => {
    for (const [table, columns] of Object.entries(LOOKUP_COLUMNS) as [DataTable, readonly string[]][]) {
      expect(columns.at(-1), table).toBe('event_time');
    }
  });
});
