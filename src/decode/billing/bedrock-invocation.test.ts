import { describe, expect, it } from 'vitest';
import type { DecodeOutput } from '../types.ts';
import { CTX, claimedSamples, loadSample, onlyRow, rowsOf } from '../test-support.ts';
import { bedrockInvocationDecoder as decoder } from './bedrock-invocation.ts';

const rows = (out: DecodeOutput) => rowsOf(out, 'provider_usage');
const ARN = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0a1b2c3d/alice@example.com';

describe('bedrock.invocation', () => {
  it('normalises the formats.md sample', () => {
    const out = decoder.decode(loadSample('bedrock-invocation'), CTX);
    const { raw, ...row } = onlyRow(out, 'provider_usage');
    expect(out.records[0]!.format).toBe('bedrock.invocation');
    expect(row).toEqual({
      event_time: '2026-08-19 14:03:18.000',
      bucket_end: '2026-08-19 14:03:18.000',
      format: 'bedrock.invocation',
      provider: 'bedrock',
      kind: 'invocation',
      api_key_id: '',
      workspace_id: '123456789012',
      account_id: '',
      user_email: 'alice@example.com',
      principal: ARN,
      team_id: '',
      session_id: '',
      request_id: '915a6a04-3f83-4c70-a277-7fbf7ea546b3',
      model: 'claude-sonnet-4-5-20250929',
      service_tier: '',
      line_item: '',
      uncached_input_tokens: 390,
      cache_read_tokens: 45100,
      cache_write_tokens: 2400,
      output_tokens: 320,
      request_count: 1,
      cost_usd: 0,
      metrics: {},
      prompt_logged: 0,
      bucket_key: '',
    });
    expect(JSON.parse(raw)).toEqual(loadSample('bedrock-invocation'));
  });

  it('marks prompts as logged and keeps body text out of raw', () => {
    const doc = loadSample('bedrock-invocation');
    doc.input.inputBodyJson = { messages: [{ role: 'user', content: 'SECRET-PROMPT refactor billing.ts' }] };
    doc.output.outputBodyJson = { content: [{ type: 'text', text: 'SECRET-ANSWER here you go' }] };
    const [row] = rows(decoder.decode(doc, CTX));
    expect(row!.prompt_logged).toBe(1);
    expect(row!.raw).not.toContain('SECRET-PROMPT');
    expect(row!.raw).not.toContain('SECRET-ANSWER');
    expect(JSON.parse(row!.raw).input.inputBodyJson).toMatch(/^\[redacted \d+ bytes sha256:[0-9a-f]{16}\]$/);
    // The operator opt-in keeps the text.
    expect(rows(decoder.decode(doc, { ...CTX, storePromptText: true }))[0]!.raw).toContain('SECRET-PROMPT');
  });

  it('takes team and session from requestMetadata', () => {
    const doc = loadSample('bedrock-invocation');
    doc.requestMetadata = { 'Team.Id': 'payments', 'x-claude-code-session-id': 'sess-42', other: 'x' };
    expect(rows(decoder.decode(doc, CTX))[0]).toMatchObject({ team_id: 'payments', session_id: 'sess-42' });
    doc.requestMetadata = { team: 'infra', session_id: 'abc' };
    expect(rows(decoder.decode(doc, CTX))[0]).toMatchObject({ team_id: 'infra', session_id: 'abc' });
  });

  it('keeps failed invocations without usage and non-e-mail principals', () => {
    const doc = loadSample('bedrock-invocation');
    delete doc.output;
    doc.input = { inputContentType: 'application/json' };
    doc.errorCode = 'ThrottlingException';
    doc.identity.arn = 'arn:aws:iam::123456789012:user/ci-bot';
    doc.modelId = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-opus-4-1-20250805-v1:0';
    expect(rows(decoder.decode(doc, CTX))[0]).toMatchObject({
      uncached_input_tokens: 0,
      output_tokens: 0,
      request_count: 1,
      user_email: '',
      principal: 'arn:aws:iam::123456789012:user/ci-bot',
      model: 'claude-opus-4-1-20250805',
    });
  });

  it('rejects invalid records with the zod path, redacted', () => {
    const doc = loadSample('bedrock-invocation');
    doc.input.inputTokenCount = '390';
    doc.input.inputBodyJson = { messages: 'SECRET-PROMPT' };
    const out = decoder.decode(doc, CTX);
    expect(out.records).toEqual([]);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]).toMatchObject({ reason: 'schema_violation', format: 'bedrock.invocation' });
    expect(out.rejects[0]!.detail).toContain('input.inputTokenCount');
    expect(out.rejects[0]!.raw).not.toContain('SECRET-PROMPT');

    const late = loadSample('bedrock-invocation');
    late.timestamp = '2999-01-01T00:00:00Z';
    expect(decoder.decode(late, CTX).rejects[0]!.detail).toMatch(/^timestamp: .*plausible range/);
    expect(decoder.decode(null, CTX).rejects).toHaveLength(1);
  });

  it('does not match the other billing samples', () => {
    expect(claimedSamples(decoder)).toEqual(['bedrock-invocation']);
  });
});
