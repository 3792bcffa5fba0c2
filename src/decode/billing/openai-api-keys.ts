import type { ProviderKeyRow } from '../../normalize/rows.ts';
import { normalizeEmail, text } from '../../normalize/identity.ts';
import { eventTime } from '../../normalize/time.ts';
import {
  OPENAI_PROJECT_API_KEY,
  openAiKeyListSchema,
  openAiProjectApiKeySchema,
  type OpenAiProjectApiKey,
} from '../../../schemas/events/provider-keys.ts';
import { isRecord } from '../shape.ts';
import { keyHint, keyListDecoder, NO_TIME, optionalTime } from './key-inventory.ts';

/**
 * OpenAI project API keys (formats.md §3, `GET /v1/organization/projects/{id}/api_keys`): who owns
 * each key (a user or a service account), when it was created and last used. The list only shows
 * live keys (deleting a key removes it), so every listed key is 'active'.
 */

const FORMAT = 'openai.api_keys';

function keyRow(k: OpenAiProjectApiKey, page: Record<string, unknown>, ctx: { maxEventTime: number }, raw: string): ProviderKeyRow {
  const owner = k.owner;
  const ownerType = text(owner?.type) || (owner?.service_account ? 'service_account' : owner?.user ? 'user' : '');
  const ownerId = ownerType === 'service_account' ? text(owner?.service_account?.id) : text(owner?.user?.id);
  return {
    event_time: eventTime(k.created_at, ctx.maxEventTime),
    format: FORMAT,
    provider: 'openai',
    key_id: k.id,
    key_name: text(k.name),
    key_hint: keyHint(k.redacted_value),
    workspace_id: text(k.project_id) || text(page['project_id']),
    owner_type: ownerType,
    owner_id: ownerId,
    owner_email: ownerType === 'user' ? normalizeEmail(owner?.user?.email) : '',
    // OpenAI does not say who created a key; the owner is the accountable party.
    created_by_id: ownerId,
    status: 'active',
    last_used_at: optionalTime(k.last_used_at),
    expires_at: NO_TIME,
    raw,
  };
}

export const openAiApiKeysDecoder = keyListDecoder({
  format: FORMAT,
  keySchema: openAiProjectApiKeySchema,
  pageSchema: openAiKeyListSchema,
  isKey: (doc) => doc['object'] === OPENAI_PROJECT_API_KEY,
  isPage: (doc) => {
    const data = doc['data'];
    return doc['object'] === 'list' && Array.isArray(data) && data.length > 0 && isRecord(data[0]) && data[0]['object'] === OPENAI_PROJECT_API_KEY;
  },
  toRow: keyRow,
});
