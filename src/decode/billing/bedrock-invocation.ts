import type { ProviderUsageRow } from '../../normalize/rows.ts';
import type { DecodeContext, DecodeOutput, FormatDecoder } from '../types.ts';
import { compileRawFields, rawText } from '../../normalize/raw-fields.ts';
import { emailFromArn, text } from '../../normalize/identity.ts';
import { canonicalModel } from '../../normalize/model.ts';
import { eventTime } from '../../normalize/time.ts';
import {
  BEDROCK_INVOCATION_RAW,
  BEDROCK_SCHEMA_TYPE,
  bedrockInvocationSchema,
  type BedrockInvocation,
} from '../../../schemas/events/bedrock.ts';
import { issuesDetail, schemaViolation, timeRejectDetail } from '../reject.ts';
import { isRecord } from '../shape.ts';
import { safeParseFast } from '../schema-fast-path.ts';

/**
 * AWS Bedrock model invocation logs (formats.md §5): one record per call, no cost, no session id.
 * Attribution to people and teams is heuristic (N6): the caller ARN's role session name (often
 * the SSO e-mail) and whatever tags the client put into Converse requestMetadata.
 */

const FORMAT = 'bedrock.invocation';
const RAW_FIELDS = compileRawFields(BEDROCK_INVOCATION_RAW);

// Tag spellings seen from gateways and the Claude Code session header; matched case-insensitively.
const TEAM_KEYS = ['team', 'team.id', 'team_id'];
const SESSION_KEYS = ['session_id', 'session.id', 'x-claude-code-session-id'];

function metadataValue(metadata: Record<string, string> | null | undefined, keys: readonly string[]): string {
  if (!metadata) return '';
  const byKey = new Map(Object.entries(metadata).map(([k, v]) => [k.toLowerCase(), v]));
  for (const key of keys) {
    const value = text(byKey.get(key));
    if (value !== '') return value;
  }
  return '';
}

function invocationRow(r: BedrockInvocation, event_time: string, raw: string): ProviderUsageRow {
  const arn = r.identity.arn.trim();
  // Either the body itself or, for large bodies, its S3 location means text delivery is on (N4).
  const promptLogged = (r.input?.inputBodyJson ?? r.input?.inputBodyS3Path ?? null) !== null;
  return {
    event_time,
    bucket_end: event_time,
    format: FORMAT,
    provider: 'bedrock',
    kind: 'invocation',
    // Bedrock authenticates with IAM, not API keys; the principal is the credential.
    api_key_id: '',
    workspace_id: text(r.accountId),
    account_id: '',
    user_email: emailFromArn(arn),
    principal: arn,
    team_id: metadataValue(r.requestMetadata, TEAM_KEYS),
    session_id: metadataValue(r.requestMetadata, SESSION_KEYS),
    request_id: text(r.requestId),
    model: canonicalModel(r.modelId),
    service_tier: '',
    line_item: '',
    // For Claude, inputTokenCount is already the uncached part (N1).
    uncached_input_tokens: r.input?.inputTokenCount ?? 0,
    cache_read_tokens: r.input?.cacheReadInputTokenCount ?? 0,
    cache_write_tokens: r.input?.cacheWriteInputTokenCount ?? 0,
    output_tokens: r.output?.outputTokenCount ?? 0,
    request_count: 1,
    // No cost field in invocation logs; priced later from the token counts.
    cost_usd: 0,
    metrics: {},
    prompt_logged: promptLogged ? 1 : 0,
    // One invocation, one record: its request id is its key, there is nothing to restate.
    bucket_key: '',
    raw,
  };
}

function decode(doc: unknown, ctx: DecodeContext): DecodeOutput {
  // Bodies are prompt and response text; redaction replaces them with size + hash.
  const raw = rawText(doc, RAW_FIELDS, ctx.storePromptText);
  const reject = (detail: string): DecodeOutput => ({ records: [], rejects: [schemaViolation(FORMAT, detail, raw)] });
  const parsed = safeParseFast(bedrockInvocationSchema, doc);
  if (!parsed.success) return reject(issuesDetail(parsed.error));
  let time: string;
  try {
    time = eventTime(parsed.data.timestamp, ctx.maxEventTime);
  } catch (err) {
    return reject(timeRejectDetail('timestamp', err));
  }
  return {
    records: [{ table: 'provider_usage', format: FORMAT, row: invocationRow(parsed.data, time, raw) }],
    rejects: [],
  };
}

export const bedrockInvocationDecoder: FormatDecoder = {
  format: FORMAT,
  source: 'billing',
  matches: (doc) => isRecord(doc) && doc['schemaType'] === BEDROCK_SCHEMA_TYPE,
  decode,
};
