import { describe, expect, it } from 'vitest';
import { CTX, claimedSamples, loadSample, rowsOf } from '../test-support.ts';
import { scrubSecrets } from '../scrub-secrets.ts';
import { openAiApiKeysDecoder as decoder } from './openai-api-keys.ts';

const key = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({ ...loadSample('openai-project-api-keys').data[1], ...overrides });

describe('openai.api_keys', () => {
  it('normalises the sample page: owner, project from the page, hints only, times', () => {
    const out = decoder.decode(loadSample('openai-project-api-keys'), CTX);
    expect(out.rejects).toEqual([]);
    const rows = rowsOf(out, 'provider_keys').map(({ raw: _raw, ...r }) => r);
    expect(rows).toEqual([
      {
        event_time: '2024-03-26 16:45:33.000', format: 'openai.api_keys', provider: 'openai', key_id: 'key_abc',
        key_name: 'litellm-prod upstream', key_hint: 'sk-abc...def', workspace_id: 'proj_abc', owner_type: 'service_account',
        owner_id: 'svc_acct_abc', owner_email: '', created_by_id: 'svc_acct_abc', status: 'active',
        last_used_at: '2026-08-19 13:00:00.000', expires_at: '1970-01-01 00:00:00.000',
      },
      {
        event_time: '2026-07-30 00:00:00.000', format: 'openai.api_keys', provider: 'openai', key_id: 'key_def',
        key_name: 'alice laptop', key_hint: 'sk-proj-****wXyz', workspace_id: 'proj_abc', owner_type: 'user',
        owner_id: 'user_abc', owner_email: 'alice@example.com', created_by_id: 'user_abc', status: 'active',
        last_used_at: '1970-01-01 00:00:00.000', expires_at: '1970-01-01 00:00:00.000',
      },
    ]);
  });

  it('stores a fingerprint, never a value that is not redacted (hint column, and raw once scrubbed as ingest does)', () => {
    const leaked = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
    const doc = key({ redacted_value: leaked });
    const out = scrubSecrets(doc, decoder.decode(doc, CTX));
    const [row] = rowsOf(out, 'provider_keys');
    expect(row!.key_hint).not.toContain('AbCdEfGh');
    expect(row!.key_hint).toMatch(/^sk-proj-…6789#[0-9a-f]{12}$/);
    expect(row!.raw).not.toContain(leaked);
  });

  it('rejects a bad key with its path and keeps its siblings', () => {
    const page = loadSample('openai-project-api-keys');
    page.data[0].created_at = 'yesterday';
    const out = decoder.decode(page, CTX);
    expect(rowsOf(out, 'provider_keys').map((r) => r.key_id)).toEqual(['key_def']);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0]!.detail).toMatch(/^data\[0\]\.created_at/);
  });

  it('claims only its own sample, and a single key', () => {
    expect(claimedSamples(decoder)).toEqual(['openai-project-api-keys']);
    expect(decoder.matches(key())).toBe(true);
    expect(decoder.matches({ object: 'list', data: [] })).toBe(false);
  });
});
