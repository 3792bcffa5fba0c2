import { z } from 'zod';
import { wholeTokenCount } from './bounds.ts';

/**
 * AWS Bedrock model invocation log record (formats.md §5). Loose objects: AWS adds fields
 * (inferenceRegion, performanceConfig) per schemaVersion. Token counts are nullish because failed
 * invocations are logged too, without usage.
 */

const optionalCount = wholeTokenCount.nullish();
const optionalText = z.string().nullish();

export const BEDROCK_SCHEMA_TYPE = 'ModelInvocationLog';

export const bedrockInvocationSchema = z.looseObject({
  schemaType: z.literal(BEDROCK_SCHEMA_TYPE),
  schemaVersion: optionalText,
  timestamp: z.string(),
  accountId: z.string(),
  identity: z.looseObject({ arn: z.string() }),
  region: optionalText,
  inferenceRegion: optionalText,
  requestId: z.string(),
  operation: optionalText,
  modelId: z.string(),
  input: z
    .looseObject({
      inputContentType: optionalText,
      // Present only with textDataDeliveryEnabled (N4); large bodies go to S3 instead.
      inputBodyJson: z.unknown().optional(),
      inputBodyS3Path: optionalText,
      // Uncached input only, for Claude (N1).
      inputTokenCount: optionalCount,
      cacheReadInputTokenCount: optionalCount,
      cacheWriteInputTokenCount: optionalCount,
    })
    .nullish(),
  output: z
    .looseObject({
      outputContentType: optionalText,
      outputBodyJson: z.unknown().optional(),
      outputTokenCount: optionalCount,
    })
    .nullish(),
  // Converse requestMetadata is a string map; the only place team/session tags can appear.
  requestMetadata: z.record(z.string(), z.string()).nullish(),
  errorCode: optionalText,
  status: optionalText,
});
export type BedrockInvocation = z.infer<typeof bedrockInvocationSchema>;
