import { z } from 'zod';
import { tokenCount, usdAmount } from './bounds.ts';

/**
 * OpenAI organization Usage and Costs APIs (formats.md §3). Objects are loose because OpenAI adds
 * fields (modality splits, new cache counters) without versioning; only what we read is checked.
 * Fields that are "non-null only when grouped by it" are nullish, never required.
 */

export const OPENAI_USAGE_RESULT = 'organization.usage.completions.result';
export const OPENAI_COSTS_RESULT = 'organization.costs.result';

// num_model_requests shares the token bound: both are per-bucket counts of one organisation.
const count = tokenCount.int();
const optionalCount = count.nullish();
const optionalText = z.string().nullish();
/** Bucket bounds are epoch seconds (N3); the decoder turns them into times. */
const epochSeconds = z.number().int();

export const openAiPageSchema = z.looseObject({
  object: z.literal('page'),
  data: z.array(z.unknown()),
});

export const openAiBucketSchema = z.looseObject({
  object: z.literal('bucket'),
  start_time: epochSeconds,
  end_time: epochSeconds,
  // Results are validated one by one so that one bad result does not sink its siblings.
  results: z.array(z.unknown()),
});

/** A result sent on its own has lost its bucket, so it must carry the bounds itself. */
export const openAiBareResultTimesSchema = z.looseObject({
  start_time: epochSeconds,
  end_time: epochSeconds,
});

export const openAiUsageResultSchema = z.looseObject({
  object: z.literal(OPENAI_USAGE_RESULT),
  // Includes cached and cache-write tokens (N1).
  input_tokens: count,
  input_cached_tokens: optionalCount,
  input_cache_write_tokens: optionalCount,
  // Newer field; absent on older exports, then derived from input_tokens.
  input_uncached_tokens: optionalCount,
  output_tokens: count,
  num_model_requests: count,
  project_id: optionalText,
  user_id: optionalText,
  api_key_id: optionalText,
  model: optionalText,
  batch: z.boolean().nullish(),
  service_tier: optionalText,
});
export type OpenAiUsageResult = z.infer<typeof openAiUsageResultSchema>;

export const openAiCostsResultSchema = z.looseObject({
  object: z.literal(OPENAI_COSTS_RESULT),
  amount: z.looseObject({
    // USD, not cents (N2). Credits may be negative.
    value: usdAmount,
    // A non-USD amount would be stored as dollars silently; reject it instead.
    currency: z
      .string()
      .refine((c) => c.toLowerCase() === 'usd', 'only USD amounts are supported')
      .nullish(),
  }),
  line_item: optionalText,
  project_id: optionalText,
  api_key_id: optionalText,
  quantity: z.number().nullish(),
  quantity_unit: optionalText,
});
export type OpenAiCostsResult = z.infer<typeof openAiCostsResultSchema>;
