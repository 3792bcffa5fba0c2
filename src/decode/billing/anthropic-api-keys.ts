import type { ProviderKeyRow } from '../../normalize/rows.ts';
import { text } from '../../normalize/identity.ts';
import { eventTime } from '../../normalize/time.ts';
import { anthropicApiKeySchema, anthropicKeyListSchema, type AnthropicApiKey } from '../../../schemas/events/provider-keys.ts';
import { isRecord } from '../shape.ts';
import { keyHint, keyListDecoder, NO_TIME, optionalTime } from './key-inventory.ts';

/**
 * Anthropic Admin API keys (formats.md §4, `GET /v1/organizations/api_keys`): the key's workspace,
 * who created it, its status and (newer keys) expiry. Archived and inactive keys stay listed, so
 * status is kept as the provider reports it. The list reports no last use; usage_report's
 * api_key_id answers that.
 */

const FORMAT = 'anthropic.api_keys';

function keyRow(k: AnthropicApiKey, _page: Record<string, unknown>, ctx: { maxEventTime: number }, raw: string): ProviderKeyRow {
  return {
    event_time: eventTime(k.created_at, ctx.maxEventTime),
    format: FORMAT,
    provider: 'anthropic',
    key_id: k.id,
    key_name: text(k.name),
    key_hint: keyHint(k.partial_key_hint),
    workspace_id: text(k.workspace_id),
    owner_type: text(k.created_by?.type),
    owner_id: text(k.created_by?.id),
    // Anthropic names the creator by user id (user_01…); the e-mail is in /v1/organizations/users.
    owner_email: '',
    created_by_id: text(k.created_by?.id),
    status: k.status,
    last_used_at: NO_TIME,
    expires_at: optionalTime(k.expires_at),
    raw,
  };
}

const isAnthropicKey = (doc: Record<string, unknown>): boolean => doc['type'] === 'api_key' && !('object' in doc);

export const anthropicApiKeysDecoder = keyListDecoder({
  format: FORMAT,
  keySchema: anthropicApiKeySchema,
  pageSchema: anthropicKeyListSchema,
  isKey: isAnthropicKey,
  isPage: (doc) => {
    const data = doc['data'];
    return !('object' in doc) && Array.isArray(data) && data.length > 0 && isRecord(data[0]) && isAnthropicKey(data[0]);
  },
  toRow: keyRow,
});
