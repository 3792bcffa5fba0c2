import { z } from 'zod';

/**
 * Provider key inventories, a billing-source format (formats.md §3 "Key → owner mapping", §4
 * "Related lookups"): OpenAI `GET /v1/organization/projects/{id}/api_keys` (ProjectApiKey in
 * openai/openai-openapi) and Anthropic `GET /v1/organizations/api_keys` (APIKey in the Admin API
 * reference). Loose objects: both lists gain fields. Members a provider may send as null are nullish.
 */

const optText = z.string().nullish();
// Unix seconds (OpenAI); the decoder converts with the other epoch fields.
const unixSeconds = z.number().int().nonnegative();

export const OPENAI_PROJECT_API_KEY = 'organization.project.api_key';

export const openAiProjectApiKeySchema = z.looseObject({
  object: z.literal(OPENAI_PROJECT_API_KEY),
  id: z.string().regex(/^key_[A-Za-z0-9]+$/, 'OpenAI API key ids look like key_…'),
  name: optText,
  redacted_value: z.string().min(1),
  created_at: unixSeconds,
  last_used_at: unixSeconds.nullish(),
  owner: z
    .looseObject({
      type: z.enum(['user', 'service_account']).nullish(),
      user: z.looseObject({ id: optText, email: optText, name: optText }).nullish(),
      service_account: z.looseObject({ id: optText, name: optText }).nullish(),
    })
    .nullish(),
  // Not in OpenAI's response (the project is in the request path): a collector adds it, on the key
  // or on the list page, so the key can be tied to the policy's projects.
  project_id: optText,
});
export type OpenAiProjectApiKey = z.infer<typeof openAiProjectApiKeySchema>;

export const openAiKeyListSchema = z.looseObject({
  object: z.literal('list'),
  data: z.array(z.unknown()),
  project_id: optText,
});

export const anthropicApiKeySchema = z.looseObject({
  type: z.literal('api_key'),
  id: z.string().regex(/^apikey_[A-Za-z0-9]+$/, 'Anthropic API key ids look like apikey_01…'),
  name: optText,
  partial_key_hint: optText,
  // RFC 3339.
  created_at: z.string().min(1),
  created_by: z.looseObject({ id: optText, type: optText }).nullish(),
  status: z.enum(['active', 'inactive', 'archived', 'expired']),
  // null = the default workspace.
  workspace_id: optText,
  expires_at: optText,
});
export type AnthropicApiKey = z.infer<typeof anthropicApiKeySchema>;

export const anthropicKeyListSchema = z.looseObject({
  data: z.array(z.unknown()),
});
