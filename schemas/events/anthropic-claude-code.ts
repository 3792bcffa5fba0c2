import { z } from 'zod';
import { MAX_ABS_USD, boundedNumber, tokenCount, uint64Count } from './bounds.ts';
import { under, type RawFields } from './raw-fields.ts';

/**
 * Anthropic Admin API `GET /v1/organizations/usage_report/claude_code` (Claude Code Analytics,
 * formats.md §4c): a page `{data: [item], has_more, next_page}` with one item per actor, day and
 * local/remote. Unlike usage_report/messages there are no buckets: each item carries its `date`.
 * Loose objects: the report gains tools and figures over time.
 */

// Productivity figures (sessions, lines, commits, tool actions) have no domain of their own.
const optionalCount = uint64Count.nullish();
const optionalTokens = tokenCount.nullish();
const optionalText = z.string().nullish();

export const anthropicClaudeCodePageSchema = z.looseObject({
  data: z.array(z.unknown()),
});

/** `{type: "user_actor", email_address}` (OAuth) or `{type: "api_actor", api_key_name}`. */
const actorSchema = z.looseObject({
  type: z.string(),
  email_address: optionalText,
  api_key_name: optionalText,
});

const acceptance = z.looseObject({ accepted: optionalCount, rejected: optionalCount });

export const anthropicClaudeCodeItemSchema = z.looseObject({
  // RFC 3339 midnight UTC of the day the item covers.
  date: z.string().min(1),
  actor: actorSchema,
  organization_id: optionalText,
  customer_type: optionalText,
  subscription_type: optionalText,
  terminal_type: optionalText,
  is_remote: z.boolean().nullish(),
  core_metrics: z
    .looseObject({
      num_sessions: optionalCount,
      lines_of_code: z.looseObject({ added: optionalCount, removed: optionalCount }).nullish(),
      commits_by_claude_code: optionalCount,
      pull_requests_by_claude_code: optionalCount,
    })
    .nullish(),
  // edit_tool, multi_edit_tool, write_tool, notebook_edit_tool, … → {accepted, rejected}.
  tool_actions: z.record(z.string(), acceptance).nullish(),
  model_breakdown: z
    .array(
      z.looseObject({
        model: optionalText,
        tokens: z
          .looseObject({ input: optionalTokens, output: optionalTokens, cache_read: optionalTokens, cache_creation: optionalTokens })
          .nullish(),
        // Cents (N2), a number here (cost_report sends a string).
        estimated_cost: z
          .looseObject({
            amount: boundedNumber(-MAX_ABS_USD * 100, MAX_ABS_USD * 100),
            // A non-USD amount would be stored as dollars silently; reject it instead.
            currency: z
              .string()
              .refine((c) => c.toUpperCase() === 'USD', 'only USD amounts are supported')
              .nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
});
export type AnthropicClaudeCodeItem = z.infer<typeof anthropicClaudeCodeItemSchema>;

const CLAUDE_CODE_ITEM_FIELDS = [
  'date', 'actor.type', 'actor.email_address', 'actor.api_key_name', 'organization_id', 'customer_type', 'subscription_type',
  'terminal_type', 'is_remote', 'core_metrics.num_sessions', 'core_metrics.lines_of_code.added', 'core_metrics.lines_of_code.removed',
  'core_metrics.commits_by_claude_code', 'core_metrics.pull_requests_by_claude_code', 'tool_actions.*.accepted',
  'tool_actions.*.rejected', 'model_breakdown.model', 'model_breakdown.tokens.input', 'model_breakdown.tokens.output',
  'model_breakdown.tokens.cache_read', 'model_breakdown.tokens.cache_creation', 'model_breakdown.estimated_cost.amount',
  'model_breakdown.estimated_cost.currency',
];

/** What `raw` keeps of a Claude Code analytics item (§4c), or of a page a reject keeps whole. */
export const ANTHROPIC_CLAUDE_CODE_RAW: RawFields = {
  keep: [...CLAUDE_CODE_ITEM_FIELDS, ...under('data', CLAUDE_CODE_ITEM_FIELDS), 'has_more', 'next_page'],
};
