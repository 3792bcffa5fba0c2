import { describe, expect, it } from 'vitest';
import { CTX, claimedSamples, loadSample, onlyRow, rowsOf } from '../test-support.ts';
import { anthropicApiKeysDecoder as decoder } from './anthropic-api-keys.ts';

const key = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({ ...loadSample('anthropic-api-keys').data[0], ...overrides });

describe('anthropic.api_keys', () => {
  it('normalises the sample: workspace, creator, status, hint', () => {
    const { raw, ...row } = onlyRow(decoder.decode(loadSample('anthropic-api-keys'), CTX), 'provider_keys');
    expect(row).toEqual({
      event_time: '2024-10-30 23:58:27.427', format: 'anthropic.api_keys', provider: 'anthropic',
      key_id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT', key_name: 'litellm-prod', key_hint: 'sk-ant-api03-R2D...igAA',
      workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', owner_type: 'user', owner_id: 'user_01WCz1FkmYMm4gnmykNKUu3Q',
      owner_email: '', created_by_id: 'user_01WCz1FkmYMm4gnmykNKUu3Q', status: 'active',
      last_used_at: '1970-01-01 00:00:00.000', expires_at: '1970-01-01 00:00:00.000',
    });
    expect(JSON.parse(raw)).toMatchObject({ id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT' });
  });

  it('keeps archived keys and expiry; rejects an unknown status with its path', () => {
    const out = decoder.decode({ data: [key({ status: 'archived', expires_at: '2027-01-01T00:00:00Z', workspace_id: null }), key({ status: 'revoked' })] }, CTX);
    const rows = rowsOf(out, 'provider_keys');
    expect(rows.map((r) => [r.status, r.expires_at, r.workspace_id])).toEqual([['archived', '2027-01-01 00:00:00.000', '']]);
    expect(out.rejects[0]!.detail).toMatch(/^data\[1\]\.status/);
  });

  it('claims only its own sample, and a single key', () => {
    expect(claimedSamples(decoder)).toEqual(['anthropic-api-keys']);
    expect(decoder.matches(key())).toBe(true);
    expect(decoder.matches({ data: [] })).toBe(false);
  });
});
