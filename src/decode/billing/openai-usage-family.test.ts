import { describe, expect, it } from 'vitest';
import { CTX, claimedSamples, loadSample, onlyRow, rowsOf } from '../test-support.ts';
import { openAiUsageFamilyDecoder as decoder } from './openai-usage-family.ts';
import { openAiUsageDecoder } from './openai-usage.ts';

// Samples follow the response examples of openai/openai-openapi for
// GET /v1/organization/usage/{embeddings,images} (formats.md "Real variants").
describe('openai.usage_family', () => {
  it('decodes an embeddings page: input tokens and requests, kind "embeddings"', () => {
    const { raw, ...row } = onlyRow(decoder.decode(loadSample('openai-usage-embeddings'), CTX), 'provider_usage');
    expect(row).toEqual({
      event_time: '2024-11-01 00:00:00.000',
      bucket_end: '2024-11-02 00:00:00.000',
      format: 'openai.usage_family',
      provider: 'openai',
      kind: 'embeddings',
      api_key_id: 'key_abc',
      workspace_id: 'proj_abc',
      account_id: 'user-abc',
      user_email: '',
      principal: '',
      team_id: '',
      session_id: '',
      request_id: '',
      model: 'text-embedding-ada-002-v2',
      service_tier: '',
      line_item: '',
      uncached_input_tokens: 16,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      output_tokens: 0,
      request_count: 2,
      cost_usd: 0,
      metrics: {},
      prompt_logged: 0,
      bucket_key: expect.stringMatching(/^openai\/embeddings\/[0-9a-f]{32}$/),
    });
    expect(JSON.parse(raw).object).toBe('organization.usage.embeddings.result');
  });

  it('decodes an images page: the image count in metrics, source and size as the line item', () => {
    const row = onlyRow(decoder.decode(loadSample('openai-usage-images'), CTX), 'provider_usage');
    expect(row).toMatchObject({
      kind: 'images',
      model: 'dall-e-3',
      request_count: 2,
      uncached_input_tokens: 0,
      line_item: 'image.generation 1024x1024',
      metrics: { images: 2 },
    });
  });

  // One sample per family, each shaped like openai/openai-openapi's response example of its endpoint.
  it.each([
    ['openai-usage-moderations', 'moderations', 16, 2, {}],
    ['openai-usage-audio-speeches', 'audio_speeches', 0, 1, { characters: 45 }],
    ['openai-usage-audio-transcriptions', 'audio_transcriptions', 0, 1, { seconds: 20 }],
    ['openai-usage-vector-stores', 'vector_stores', 0, 0, { usage_bytes: 1024 }],
    ['openai-usage-code-interpreter-sessions', 'code_interpreter_sessions', 0, 0, { num_sessions: 1 }],
  ] as const)('decodes the %s sample: kind %s, its tokens, requests and measure', (name, kind, tokens, requests, metrics) => {
    const row = onlyRow(decoder.decode(loadSample(name), CTX), 'provider_usage');
    expect(row).toMatchObject({
      format: 'openai.usage_family', provider: 'openai', kind, workspace_id: 'proj_abc',
      event_time: '2024-11-01 00:00:00.000', bucket_end: '2024-11-02 00:00:00.000',
      uncached_input_tokens: tokens, request_count: requests, metrics,
    });
    expect(JSON.parse(row.raw)).toMatchObject({ object: `organization.usage.${kind}.result`, start_time: 1730419200 });
  });

  it('records each family as its kind, with its own measure', () => {
    const results = [
      { object: 'organization.usage.moderations.result', input_tokens: 40, num_model_requests: 3, model: 'omni-moderation-latest' },
      { object: 'organization.usage.audio_speeches.result', characters: 450, num_model_requests: 1, model: 'tts-1' },
      { object: 'organization.usage.audio_transcriptions.result', seconds: 20, num_model_requests: 1, model: 'whisper-1' },
      { object: 'organization.usage.vector_stores.result', usage_bytes: 1024, project_id: 'proj_abc' },
      { object: 'organization.usage.code_interpreter_sessions.result', num_sessions: 1, project_id: null },
      // Older spec revisions name the session count `sessions`.
      { object: 'organization.usage.code_interpreter_sessions.result', sessions: 2, project_id: null },
    ];
    const page = { object: 'page', data: [{ object: 'bucket', start_time: 1730419200, end_time: 1730505600, results }] };
    const out = decoder.decode(page, CTX);
    expect(out.rejects).toEqual([]);
    expect(rowsOf(out, 'provider_usage').map((r) => [r.kind, r.uncached_input_tokens, r.metrics])).toEqual([
      ['moderations', 40, {}],
      ['audio_speeches', 0, { characters: 450 }],
      ['audio_transcriptions', 0, { seconds: 20 }],
      ['vector_stores', 0, { usage_bytes: 1024 }],
      ['code_interpreter_sessions', 0, { num_sessions: 1 }],
      ['code_interpreter_sessions', 0, { num_sessions: 2 }],
    ]);
  });

  it('accepts a bare result with its own bounds, and rejects a bad count with its path', () => {
    const bare = { ...loadSample('openai-usage-embeddings').data[0].results[0], start_time: 1730419200, end_time: 1730505600 };
    expect(onlyRow(decoder.decode(bare, CTX), 'provider_usage').kind).toBe('embeddings');

    const bad = loadSample('openai-usage-embeddings');
    bad.data[0].results[0].input_tokens = 'lots';
    const out = decoder.decode(bad, CTX);
    expect(out.records).toEqual([]);
    expect(out.rejects[0]?.reason).toBe('schema_violation');
    expect(out.rejects[0]?.detail).toContain('input_tokens');
  });

  it('claims the family pages only; completions pages stay with openai.usage', () => {
    expect(claimedSamples(decoder)).toEqual([
      'openai-usage-audio-speeches', 'openai-usage-audio-transcriptions', 'openai-usage-code-interpreter-sessions',
      'openai-usage-embeddings', 'openai-usage-images', 'openai-usage-moderations', 'openai-usage-vector-stores',
    ]);
    expect(openAiUsageDecoder.matches(loadSample('openai-usage-embeddings'))).toBe(false);
  });
});
