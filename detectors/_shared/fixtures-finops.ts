import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { at, deepMerge, kongAiLog, litellmSpendLog, type Overrides } from './fixtures.ts';
import type { TokenCounts } from './model-prices.ts';

/**
 * Record builders for the FinOps / routing detector tests, on top of fixtures.ts: token-exact
 * gateway records (each source's own token semantics, formats.md N1), the OpenAI Costs API page,
 * and the people / gateway keys of policy.example.yaml. Everything still goes through the real
 * decoders in detectorCases().
 */

type Doc = Record<string, unknown>;

/** Gateway virtual keys of policy.example.yaml (gatewayKeys) and who they belong to. */
export const KEYS = {
  alice: { hash: '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b', alias: 'alice-claude-code', user: 'alice@example.com', team: 'team-platform-eng' },
  carol: { hash: '3b1f6c0a9d2e4f5a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a', alias: 'carol-claude-code', user: 'carol.nguyen@example.com', team: 'team-data' },
  daveBot: { hash: '5e8a1d4c7b0f3e6a9d2c5b8e1f4a7d0c3b6e9a2d5c8f1b4e7a0d3c6f9b2e5a8d', alias: 'web-review-bot', user: 'dave.kim@example.com', team: 'team-web' },
} as const;
export type KeyOwner = keyof typeof KEYS;

/** Kong consumer credentials of policy.example.yaml. */
export const KONG_CONSUMERS = {
  alice: { credential: 'c62c1455-9b1d-4f2d-8797-509ba83b8ae8', username: 'alice@example.com', team: 'team-platform-eng' },
  erin: { credential: '7d0e2a41-5c3b-4e8f-9a16-2b7c4d9e0f13', username: 'erin.walsh@example.com', team: 'team-ml' },
} as const;

/** Tokens in the canonical split; zero for kinds not given. */
export function tokens(t: Partial<TokenCounts>): TokenCounts {
  return { uncached: 0, cacheRead: 0, cacheWrite: 0, output: 0, ...t };
}

/**
 * LiteLLM SpendLogs row sent with a policy gateway key. `prompt_tokens` includes cache reads and
 * writes (N1), their split goes to metadata.additional_usage_values.
 */
export function litellmRequest(time: string, owner: KeyOwner, t: TokenCounts, overrides: Overrides = {}): Doc {
  const k = KEYS[owner];
  const prompt = t.uncached + t.cacheRead + t.cacheWrite;
  return litellmSpendLog(time, deepMerge({
    api_key: k.hash,
    user: k.user,
    team_id: k.team,
    prompt_tokens: prompt,
    completion_tokens: t.output,
    total_tokens: prompt + t.output,
    metadata: {
      user_api_key_alias: k.alias,
      user_api_key_user_id: k.user,
      user_api_key_team_id: k.team,
      additional_usage_values: { cache_read_input_tokens: t.cacheRead, cache_creation_input_tokens: t.cacheWrite },
    },
  }, overrides));
}

/** Kong AI Proxy log of a consumer; `prompt_tokens` includes cached reads (OpenAI semantics, N1). */
export function kongRequest(time: string, consumer: keyof typeof KONG_CONSUMERS, t: TokenCounts, overrides: Overrides = {}): Doc {
  const c = KONG_CONSUMERS[consumer];
  const prompt = t.uncached + t.cacheRead + t.cacheWrite;
  return kongAiLog(time, deepMerge({
    consumer: { username: c.username, custom_id: c.team },
    authenticated_entity: { id: c.credential },
    ai: { proxy: { usage: { prompt_tokens: prompt, completion_tokens: t.output, total_tokens: prompt + t.output, prompt_tokens_details: { cached_tokens: t.cacheRead } } } },
  }, overrides));
}

/** One Anthropic usage_report result (§4a) with these tokens. */
export function anthropicResult(t: TokenCounts, fields: Overrides = {}): Overrides {
  return {
    uncached_input_tokens: t.uncached,
    cache_read_input_tokens: t.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: t.cacheWrite, ephemeral_1h_input_tokens: 0 },
    output_tokens: t.output,
    ...fields,
  };
}

/** One OpenAI usage completions result (§3): input_tokens includes cached and cache-write tokens. */
export function openAiResult(t: TokenCounts, fields: Overrides = {}): Overrides {
  return {
    input_tokens: t.uncached + t.cacheRead + t.cacheWrite,
    input_cached_tokens: t.cacheRead,
    input_cache_write_tokens: t.cacheWrite,
    input_uncached_tokens: t.uncached,
    output_tokens: t.output,
    ...fields,
  };
}

/** Bedrock invocation token fields (§5): inputTokenCount is the uncached part for Claude. */
export function bedrockTokens(t: TokenCounts): Overrides {
  return {
    input: { inputTokenCount: t.uncached, cacheReadInputTokenCount: t.cacheRead, cacheWriteInputTokenCount: t.cacheWrite },
    output: { outputTokenCount: t.output },
  };
}

const COSTS_SAMPLE = fileURLToPath(new URL('../../schemas/samples/openai-costs.json', import.meta.url));

/** OpenAI Costs API page (§3): one daily bucket, amounts in USD (not cents, N2). */
export function openAiCostsPage(dayStart: string, results: Overrides[]): Doc {
  const base = JSON.parse(readFileSync(COSTS_SAMPLE, 'utf8')) as { data: { results: Doc[] }[] };
  const template = base.data[0]?.results[0] ?? {};
  const start = Date.parse(dayStart) / 1000;
  return {
    object: 'page',
    data: [{ object: 'bucket', start_time: start, end_time: start + 86_400, results: results.map((r) => deepMerge(template, r)) }],
    has_more: false,
    next_page: null,
  };
}

/** The fixture day as a whole-day window, `dayOffset` days away. */
export function fixtureDay(dayOffset = 0): { from: string; to: string } {
  return { from: at('00:00', dayOffset), to: at('00:00', dayOffset + 1) };
}
