import { z } from 'zod';
import { MAX_ABS_USD, OUT_OF_RANGE, tokenCount } from './bounds.ts';
import { reportFields, type RawFields } from './raw-fields.ts';

/**
 * Anthropic Admin API usage_report/messages and cost_report (formats.md §4a, §4b). Loose objects:
 * the reports gain group-by dimensions (speed, inference_geo, …) over time. Dimension fields are
 * null unless grouped by, so they are nullish.
 */

const count = tokenCount;
const optionalCount = count.nullish();
const optionalText = z.string().nullish();

export const anthropicPageSchema = z.looseObject({
  data: z.array(z.unknown()),
});

export const anthropicBucketSchema = z.looseObject({
  // RFC 3339; ending_at is exclusive (N3).
  starting_at: z.string(),
  ending_at: z.string(),
  // Results are validated one by one so that one bad result does not sink its siblings.
  results: z.array(z.unknown()),
});

export const anthropicUsageResultSchema = z.looseObject({
  // Excludes cache reads and writes (N1).
  uncached_input_tokens: count,
  cache_creation: z
    .looseObject({
      ephemeral_5m_input_tokens: optionalCount,
      ephemeral_1h_input_tokens: optionalCount,
    })
    .nullish(),
  cache_read_input_tokens: count,
  output_tokens: count,
  server_tool_use: z.looseObject({ web_search_requests: optionalCount }).nullish(),
  api_key_id: optionalText,
  workspace_id: optionalText,
  account_id: optionalText,
  service_account_id: optionalText,
  model: optionalText,
  service_tier: optionalText,
  context_window: optionalText,
  inference_geo: optionalText,
});
export type AnthropicUsageResult = z.infer<typeof anthropicUsageResultSchema>;

export const anthropicCostResultSchema = z.looseObject({
  // Decimal string in cents (N2): "123.45" is $1.2345.
  amount: z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string of cents')
    .refine((c) => Math.abs(Number(c)) <= MAX_ABS_USD * 100, `${OUT_OF_RANGE}: expected at most ${MAX_ABS_USD * 100} cents either way`),
  // A non-USD amount would be stored as dollars silently; reject it instead.
  currency: z
    .string()
    .refine((c) => c.toUpperCase() === 'USD', 'only USD amounts are supported')
    .nullish(),
  cost_type: optionalText,
  description: optionalText,
  model: optionalText,
  token_type: optionalText,
  service_tier: optionalText,
  context_window: optionalText,
  inference_geo: optionalText,
  workspace_id: optionalText,
});
export type AnthropicCostResult = z.infer<typeof anthropicCostResultSchema>;

const ANTHROPIC_BUCKET = ['starting_at', 'ending_at'];
const ANTHROPIC_PAGE = ['has_more', 'next_page'];
const ANTHROPIC_DIMENSIONS = [
  'starting_at', 'ending_at', 'api_key_id', 'workspace_id', 'account_id', 'service_account_id', 'model', 'service_tier',
  'context_window', 'inference_geo', 'speed',
];

/** What `raw` keeps of a usage_report/messages result (§4a): token counts and the group-by dimensions. */
export const ANTHROPIC_USAGE_RAW: RawFields = {
  keep: reportFields([
    ...ANTHROPIC_DIMENSIONS, 'uncached_input_tokens', 'cache_creation.ephemeral_5m_input_tokens',
    'cache_creation.ephemeral_1h_input_tokens', 'cache_read_input_tokens', 'output_tokens', 'server_tool_use.web_search_requests',
  ], ANTHROPIC_BUCKET, ANTHROPIC_PAGE),
};

/** What `raw` keeps of a cost_report result (§4b); `description` is Anthropic's line-item label. */
export const ANTHROPIC_COST_RAW: RawFields = {
  keep: reportFields([
    ...ANTHROPIC_DIMENSIONS, 'amount', 'currency', 'cost_type', 'description', 'token_type',
  ], ANTHROPIC_BUCKET, ANTHROPIC_PAGE),
};
