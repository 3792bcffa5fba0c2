import type { ProviderUsageRow } from '../../normalize/rows.ts';
import { text } from '../../normalize/identity.ts';
import { canonicalModel } from '../../normalize/model.ts';
import { centsToUsd } from '../../normalize/numbers.ts';
import {
  ANTHROPIC_COST_RAW,
  anthropicCostResultSchema,
  type AnthropicCostResult,
} from '../../../schemas/events/anthropic-usage.ts';
import { anthropicDecoder } from './anthropic-usage.ts';
import { reportRow, type BucketFields } from './bucketed-report.ts';
import { compileRawFields } from '../../normalize/raw-fields.ts';

/**
 * Anthropic Admin API cost_report (formats.md §4b): daily billed amounts per workspace and
 * description. It has no api_key_id, so these rows reconcile per workspace, not per key.
 */

const FORMAT = 'anthropic.cost';

function lineItem(r: AnthropicCostResult): string {
  const description = text(r.description);
  if (description !== '') return description;
  // Without group_by=description the type pair is the only label, e.g. tokens:output_tokens.
  return [text(r.cost_type), text(r.token_type)].filter((part) => part !== '').join(':');
}

function costRow(r: AnthropicCostResult, bucket: BucketFields): ProviderUsageRow {
  return reportRow(bucket, {
    format: FORMAT,
    provider: 'anthropic',
    kind: 'cost',
    workspace_id: text(r.workspace_id),
    model: canonicalModel(r.model),
    service_tier: text(r.service_tier),
    line_item: lineItem(r),
    // A decimal string in cents (N2).
    cost_usd: centsToUsd(r.amount),
  });
}

export const anthropicCostDecoder = anthropicDecoder(
  { format: FORMAT, schema: anthropicCostResultSchema, rawFields: compileRawFields(ANTHROPIC_COST_RAW), toRow: costRow, stringFigures: ['amount'] },
  (first) => first !== undefined && first !== null && 'amount' in first && !('uncached_input_tokens' in first),
);
