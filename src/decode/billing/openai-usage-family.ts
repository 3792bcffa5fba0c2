import type { ProviderUsageRow } from '../../normalize/rows.ts';
import { text } from '../../normalize/identity.ts';
import { canonicalModel } from '../../normalize/model.ts';
import {
  OPENAI_USAGE_FAMILY_RAW,
  OPENAI_USAGE_FAMILY_RESULTS,
  openAiUsageFamilyResultSchema,
  type OpenAiUsageFamilyResult,
} from '../../../schemas/events/openai-usage.ts';
import { reportRow, type BucketFields } from './bucketed-report.ts';
import { openAiDecoder } from './openai-usage.ts';
import { compileRawFields } from '../../normalize/raw-fields.ts';

/**
 * OpenAI Usage API pages of the families other than completions (formats.md "Real variants"):
 * embeddings, moderations, images, audio speeches and transcriptions, vector stores, code
 * interpreter sessions. One row per result like completions, with the family as `kind`; input
 * tokens where the family counts them (embeddings, moderations: no cache, no output), and the
 * family's own measure (images, characters, seconds, bytes, sessions) in `metrics`, since no
 * token column can hold it.
 */
const FORMAT = 'openai.usage_family';
const RESULT_OBJECTS = Object.keys(OPENAI_USAGE_FAMILY_RESULTS);

function measures(r: OpenAiUsageFamilyResult): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (name: string, v: number | null | undefined): void => {
    if (v !== null && v !== undefined) out[name] = v;
  };
  put('images', r.images);
  put('characters', r.characters);
  put('seconds', r.seconds);
  put('usage_bytes', r.usage_bytes);
  put('num_sessions', r.num_sessions ?? r.sessions);
  return out;
}

function familyRow(r: OpenAiUsageFamilyResult, bucket: BucketFields): ProviderUsageRow {
  return reportRow(bucket, {
    format: FORMAT,
    provider: 'openai',
    kind: OPENAI_USAGE_FAMILY_RESULTS[r.object],
    api_key_id: text(r.api_key_id),
    workspace_id: text(r.project_id),
    account_id: text(r.user_id),
    model: canonicalModel(r.model),
    // Images are grouped by source and size; that pair is what is priced.
    line_item: [text(r.source), text(r.size)].filter((v) => v !== '').join(' '),
    uncached_input_tokens: r.input_tokens ?? 0,
    request_count: r.num_model_requests ?? 0,
    metrics: measures(r),
  });
}

export const openAiUsageFamilyDecoder = openAiDecoder(
  { format: FORMAT, resultObject: RESULT_OBJECTS, schema: openAiUsageFamilyResultSchema, rawFields: compileRawFields(OPENAI_USAGE_FAMILY_RAW), toRow: familyRow },
  (object) => typeof object === 'string' && RESULT_OBJECTS.includes(object),
);
