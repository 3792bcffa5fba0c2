import type { ProviderUsageRow } from '../../normalize/rows.ts';
import { text } from '../../normalize/identity.ts';
import {
  OPENAI_COSTS_RAW,
  OPENAI_COSTS_RESULT,
  openAiCostsResultSchema,
  type OpenAiCostsResult,
} from '../../../schemas/events/openai-usage.ts';
import { reportRow, type BucketFields } from './bucketed-report.ts';
import { openAiDecoder } from './openai-usage.ts';
import { compileRawFields } from '../../normalize/raw-fields.ts';

/**
 * OpenAI organization Costs API (formats.md §3): the billed amount per day, project, line item and
 * API key. It carries no tokens and no model; those come from the Usage API rows.
 */

const FORMAT = 'openai.costs';

function costRow(r: OpenAiCostsResult, bucket: BucketFields): ProviderUsageRow {
  return reportRow(bucket, {
    format: FORMAT,
    provider: 'openai',
    kind: 'cost',
    api_key_id: text(r.api_key_id),
    workspace_id: text(r.project_id),
    line_item: text(r.line_item),
    // Already USD, not cents (N2).
    cost_usd: r.amount.value,
  });
}

export const openAiCostsDecoder = openAiDecoder(
  { format: FORMAT, resultObject: OPENAI_COSTS_RESULT, schema: openAiCostsResultSchema, rawFields: compileRawFields(OPENAI_COSTS_RAW), toRow: costRow },
  (object) => object === OPENAI_COSTS_RESULT,
);
