import { z } from 'zod';
import { wholeTokenCount } from './bounds.ts';
import type { RawFields } from './raw-fields.ts';

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

/** What `raw` keeps of an invocation log record (§5); bodies only with storePromptText. */
export const BEDROCK_INVOCATION_RAW: RawFields = {
  keep: [
    'schemaType', 'schemaVersion', 'timestamp', 'accountId', 'identity.arn', 'region', 'inferenceRegion', 'requestId', 'operation',
    'modelId', 'input.inputContentType', 'input.inputBodyS3Path', 'input.inputTokenCount', 'input.cacheReadInputTokenCount',
    'input.cacheWriteInputTokenCount', 'output.outputContentType', 'output.outputBodyS3Path', 'output.outputTokenCount', 'errorCode',
    'status', 'performanceConfig.latency',
  ],
  content: ['input.inputBodyJson', 'output.outputBodyJson'],
  // requestMetadata is the caller's free map: only the attribution tags the decoder reads keep their value.
  names: { requestMetadata: { keep: ['team', 'team.id', 'team_id', 'session_id', 'session.id', 'x-claude-code-session-id', 'user', 'user_id', 'project', 'project_id'] } },
};
