import { z } from 'zod';
import { UINT64_SAFE_MAX, boundedNumber, usdAmount, wholeTokenCount } from './bounds.ts';
import { reportFields, type RawFields } from './raw-fields.ts';

/**
 * OpenAI organization Usage and Costs APIs (formats.md §3). Objects are loose because OpenAI adds
 * fields (modality splits, new cache counters) without versioning; only what we read is checked.
 * Fields that are "non-null only when grouped by it" are nullish, never required.
 */

export const OPENAI_USAGE_RESULT = 'organization.usage.completions.result';
export const OPENAI_COSTS_RESULT = 'organization.costs.result';

// num_model_requests shares the token bound: both are per-bucket counts of one organisation.
const count = wholeTokenCount;
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

/**
 * The other Usage API families (`/organization/usage/embeddings`, `…/moderations`, `…/images`,
 * `…/audio_speeches`, `…/audio_transcriptions`, `…/vector_stores`, `…/code_interpreter_sessions`):
 * the same page → bucket envelope, each with its own result `object` and its own measure
 * (openai/openai-openapi `UsageEmbeddingsResult` … `UsageCodeInterpreterSessionsResult`).
 */
export const OPENAI_USAGE_FAMILY_RESULTS = {
  'organization.usage.embeddings.result': 'embeddings',
  'organization.usage.moderations.result': 'moderations',
  'organization.usage.images.result': 'images',
  'organization.usage.audio_speeches.result': 'audio_speeches',
  'organization.usage.audio_transcriptions.result': 'audio_transcriptions',
  'organization.usage.vector_stores.result': 'vector_stores',
  'organization.usage.code_interpreter_sessions.result': 'code_interpreter_sessions',
} as const;
export type OpenAiUsageFamilyObject = keyof typeof OPENAI_USAGE_FAMILY_RESULTS;
const FAMILY_OBJECTS = Object.keys(OPENAI_USAGE_FAMILY_RESULTS) as [OpenAiUsageFamilyObject, ...OpenAiUsageFamilyObject[]];

export const openAiUsageFamilyResultSchema = z.looseObject({
  object: z.enum(FAMILY_OBJECTS),
  // embeddings, moderations: input only, no cache.
  input_tokens: optionalCount,
  num_model_requests: optionalCount,
  // The measure of each family that is not a token count.
  images: optionalCount,
  characters: optionalCount,
  seconds: boundedNumber(0, UINT64_SAFE_MAX).nullish(),
  usage_bytes: optionalCount,
  // `num_sessions` in the API reference; older spec revisions name it `sessions`.
  num_sessions: optionalCount,
  sessions: optionalCount,
  // images: grouping dimensions (`image.generation` …, `1024x1024` …).
  source: optionalText,
  size: optionalText,
  project_id: optionalText,
  user_id: optionalText,
  api_key_id: optionalText,
  model: optionalText,
});
export type OpenAiUsageFamilyResult = z.infer<typeof openAiUsageFamilyResultSchema>;

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

const OPENAI_BUCKET = ['object', 'start_time', 'end_time'];
const OPENAI_PAGE = ['object', 'has_more', 'next_page'];
const OPENAI_GROUPS = ['object', 'start_time', 'end_time', 'project_id', 'user_id', 'api_key_id', 'model', 'batch', 'service_tier'];

/** What `raw` keeps of a completions usage result (§3): counts and the group-by dimensions. */
export const OPENAI_USAGE_RAW: RawFields = {
  keep: reportFields([
    ...OPENAI_GROUPS, 'input_tokens', 'input_cached_tokens', 'input_cache_write_tokens', 'input_uncached_tokens', 'output_tokens',
    'input_text_tokens', 'output_text_tokens', 'input_cached_text_tokens', 'input_audio_tokens', 'input_cached_audio_tokens',
    'output_audio_tokens', 'input_image_tokens', 'input_cached_image_tokens', 'output_image_tokens', 'num_model_requests',
  ], OPENAI_BUCKET, OPENAI_PAGE),
};

/** What `raw` keeps of a result of the other usage families: their measures and grouping dimensions. */
export const OPENAI_USAGE_FAMILY_RAW: RawFields = {
  keep: reportFields([
    ...OPENAI_GROUPS, 'input_tokens', 'num_model_requests', 'images', 'characters', 'seconds', 'usage_bytes', 'num_sessions',
    'sessions', 'source', 'size',
  ], OPENAI_BUCKET, OPENAI_PAGE),
};

/** What `raw` keeps of a costs result (§3). */
export const OPENAI_COSTS_RAW: RawFields = {
  keep: reportFields([
    'object', 'start_time', 'end_time', 'amount.value', 'amount.currency', 'line_item', 'project_id', 'api_key_id', 'organization_id',
    'quantity', 'quantity_unit',
  ], OPENAI_BUCKET, OPENAI_PAGE),
};
