import type { ProviderUsageRow } from '../../normalize/rows.ts';
import { text } from '../../normalize/identity.ts';
import {
  OPENAI_COSTS_RAW,
  OPENAI_COSTS_RESULT,
  openAiCostsResultSchema,
  type OpenAiCostsResult,
} from '../../../schemas/events/openai-usage.ts';
import type { BucketFields } from './bucketed-report.ts';
import { openAiDecoder } from './openai-usage.ts';
import { compileRawFields } from '../../normalize/raw-fields.ts';

/**
 * OpenAI organization Costs API (formats.md §3): the billed amount per day, project, line item and
 * API key. It carries no tokens and no model; those come from the Usage API rows.
 */

const FORMAT = 'openai.costs';

function costRow(r: OpenAiCostsResult, bucket: BucketFields): ProviderUsageRow {
  return {
    event_time: bucket.event_time,
    bucket_end: bucket.bucket_end,
    format: FORMAT,
    provider: 'openai',
    kind: 'cost',
    api_key_id: text(r.api_key_id),
    workspace_id: text(r.project_id),
    account_id: '',
    user_email: '',
    principal: '',
    team_id: '',
    session_id: '',
    request_id: '',
    model: '',
    service_tier: '',
    line_item: text(r.line_item),
    uncached_input_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    output_tokens: 0,
    request_count: 0,
    // Already USD, not cents (N2).
    cost_usd: r.amount.value,
    metrics: {},
    prompt_logged: 0,
    raw: bucket.raw,
  };
}

export const openAiCostsDecoder = openAiDecoder(
  { format: FORMAT, resultObject: OPENAI_COSTS_RESULT, schema: openAiCostsResultSchema, rawFields: compileRawFields(OPENAI_COSTS_RAW), toRow: costRow },
  (object) => object === OPENAI_COSTS_RESULT,
);
