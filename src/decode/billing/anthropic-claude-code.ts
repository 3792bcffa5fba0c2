import {
  ANTHROPIC_CLAUDE_CODE_RAW,
  anthropicClaudeCodeItemSchema,
  anthropicClaudeCodePageSchema,
  type AnthropicClaudeCodeItem,
} from '../../../schemas/events/anthropic-claude-code.ts';
import type { ProviderUsageRow } from '../../normalize/rows.ts';
import { normalizeEmail, text } from '../../normalize/identity.ts';
import { canonicalModel } from '../../normalize/model.ts';
import { centsToUsd, toCount } from '../../normalize/numbers.ts';
import { compileRawFields, rawText } from '../../normalize/raw-fields.ts';
import { eventTime, toClickHouseTime, toMillis } from '../../normalize/time.ts';
import type { DecodeContext, DecodeOutput, FormatDecoder } from '../types.ts';
import { issuesDetail, schemaViolation, timeRejectDetail } from '../reject.ts';
import { isRecord } from '../shape.ts';
import { safeParseFast } from '../schema-fast-path.ts';
import { reportRow, type BucketFields } from './bucketed-report.ts';
import { bucketKey } from '../../normalize/bucket-key.ts';

/**
 * Anthropic Claude Code Analytics (usage_report/claude_code, formats.md §4c): the one Anthropic
 * export that names the person (`actor.email_address`). Each item (actor × day × local/remote)
 * becomes:
 * - one row per `model_breakdown` entry: tokens by kind and the estimated cost (cents → USD);
 * - one row with model '' holding the actor-day's productivity figures in `metrics` (sessions,
 *   lines added/removed, commits, pull requests, accepted/rejected per edit tool, is_remote).
 *   Those figures are per actor and day, not per model; on a model row they would be counted
 *   once per model by any sum.
 * First-party API usage only (no Bedrock/Vertex), so this is a view of what bypassed those.
 */
export const ANTHROPIC_CLAUDE_CODE_FORMAT = 'anthropic.claude_code';

const DAY_MS = 86_400_000;
const RAW_FIELDS = compileRawFields(ANTHROPIC_CLAUDE_CODE_RAW);

function isItem(value: unknown): boolean {
  return isRecord(value) && typeof value['date'] === 'string' && isRecord(value['actor']);
}

/** A report page (`data` of items; an empty page is Anthropic's usage decoder's) or one item. */
function matches(doc: unknown): boolean {
  if (!isRecord(doc)) return false;
  if (Array.isArray(doc['data'])) return doc['data'].length > 0 && isItem(doc['data'][0]);
  return isItem(doc);
}

function activityMetrics(item: AnthropicClaudeCodeItem): Record<string, number> {
  const core = item.core_metrics;
  const out: Record<string, number> = {
    num_sessions: toCount(core?.num_sessions),
    lines_added: toCount(core?.lines_of_code?.added),
    lines_removed: toCount(core?.lines_of_code?.removed),
    commits: toCount(core?.commits_by_claude_code),
    pull_requests: toCount(core?.pull_requests_by_claude_code),
  };
  for (const [tool, a] of Object.entries(item.tool_actions ?? {})) {
    out[`${tool}.accepted`] = toCount(a.accepted);
    out[`${tool}.rejected`] = toCount(a.rejected);
  }
  if (item.is_remote !== null && item.is_remote !== undefined) out['is_remote'] = item.is_remote ? 1 : 0;
  return out;
}

function rowsOf(item: AnthropicClaudeCodeItem, bucket: BucketFields): ProviderUsageRow[] {
  const userActor = item.actor.type === 'user_actor';
  // The item's scalar fields (day, organisation, customer and terminal type, …) and, for a model
  // row, the model id as reported: two ids that canonicalise alike stay two buckets.
  const keyed = (r: ProviderUsageRow, extra: Record<string, unknown>): ProviderUsageRow =>
    ({ ...r, bucket_key: bucketKey(r, { ...item, actor_type: item.actor.type, ...extra }) });
  const row = (fields: Partial<ProviderUsageRow>): ProviderUsageRow => reportRow(bucket, {
    format: ANTHROPIC_CLAUDE_CODE_FORMAT,
    provider: 'anthropic',
    kind: 'claude_code',
    user_email: userActor ? normalizeEmail(item.actor.email_address) : '',
    // An API actor is known only by its key's name (no key id in this report).
    principal: userActor ? '' : text(item.actor.api_key_name),
    // api | subscription: whether this usage is billed per token or by seat.
    service_tier: text(item.customer_type),
    line_item: text(item.terminal_type),
    ...fields,
  });
  const models = (item.model_breakdown ?? []).map((m) => keyed(row({
    model: canonicalModel(m.model),
    // Claude Code counts input without cache reads and writes, as its OTel events do (N1).
    uncached_input_tokens: toCount(m.tokens?.input),
    cache_read_tokens: toCount(m.tokens?.cache_read),
    cache_write_tokens: toCount(m.tokens?.cache_creation),
    output_tokens: toCount(m.tokens?.output),
    // Cents (N2); an estimate, as Claude Code's own cost_usd is.
    cost_usd: centsToUsd(m.estimated_cost?.amount),
  }), { model_id: m.model }));
  return [keyed(row({ metrics: activityMetrics(item) }), {}), ...models];
}

function decodeItem(item: unknown, at: string, ctx: DecodeContext, out: DecodeOutput): void {
  const raw = rawText(item, RAW_FIELDS, ctx.storePromptText);
  const parsed = safeParseFast(anthropicClaudeCodeItemSchema, item);
  if (!parsed.success) {
    out.rejects.push(schemaViolation(ANTHROPIC_CLAUDE_CODE_FORMAT, issuesDetail(parsed.error, { at }), raw));
    return;
  }
  let event_time: string;
  let bucket_end: string;
  try {
    event_time = eventTime(parsed.data.date, ctx.maxEventTime);
    // One UTC day per item.
    bucket_end = toClickHouseTime(toMillis(parsed.data.date) + DAY_MS);
  } catch (err) {
    out.rejects.push(schemaViolation(ANTHROPIC_CLAUDE_CODE_FORMAT, timeRejectDetail(at ? `${at}.date` : 'date', err), raw));
    return;
  }
  for (const row of rowsOf(parsed.data, { event_time, bucket_end, raw })) {
    out.records.push({ table: 'provider_usage', format: ANTHROPIC_CLAUDE_CODE_FORMAT, row });
  }
}

export const anthropicClaudeCodeDecoder: FormatDecoder = {
  format: ANTHROPIC_CLAUDE_CODE_FORMAT,
  source: 'billing',
  matches,
  decode(doc, ctx) {
    const out: DecodeOutput = { records: [], rejects: [] };
    if (isRecord(doc) && 'data' in doc) {
      const page = safeParseFast(anthropicClaudeCodePageSchema, doc);
      if (!page.success) {
        out.rejects.push(schemaViolation(ANTHROPIC_CLAUDE_CODE_FORMAT, issuesDetail(page.error), rawText(doc, RAW_FIELDS, ctx.storePromptText)));
      } else {
        page.data.data.forEach((item, i) => decodeItem(item, `data[${i}]`, ctx, out));
      }
    } else {
      decodeItem(doc, '', ctx, out);
    }
    return out;
  },
};
