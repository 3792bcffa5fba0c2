import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anthropicApiKey, anthropicKeyPage, openAiKeyPage, openAiProjectKey } from '../../detectors/_shared/fixtures-keys.ts';
import { scratchDir, sharedScratchStore, truncateTables } from '../detect/scratch-store.ts';
import { replayFiles } from '../ingest/replay.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../policy/load.ts';
import { syncPolicy } from '../policy/sync.ts';
import { createLogger } from '../telemetry/logger.ts';

/** The view provider_key_credentials (0019): the policy's gateway credentials resolved to inventory keys. */
describe('provider_key_credentials', () => {
  it('maps credentials to the keys they hold: by key id, and every key of a workspace-only credential', async () => {
    const { store, config } = await sharedScratchStore();
    await truncateTables(store, ['provider_keys']);
    const created = '2026-09-01T00:00:00Z';
    const pages = [
      anthropicKeyPage([
        anthropicApiKey({ id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT', name: 'litellm-prod', createdAt: created }),
        anthropicApiKey({ id: 'apikey_01PersonalKey000001', name: 'dave laptop', createdAt: created }),
      ]),
      // policy.example.yaml: openai-ml-batch names only the project proj_ml7Qk2.
      openAiKeyPage('proj_ml7Qk2', [
        openAiProjectKey({ id: 'key_mlBatch01', name: 'batch', createdAt: created, serviceAccount: 'ml-batch' }),
        openAiProjectKey({ id: 'key_mlBatch02', name: 'batch 2', createdAt: created, serviceAccount: 'ml-batch' }),
      ]),
      openAiKeyPage('proj_abc', [openAiProjectKey({ id: 'key_abc', name: 'litellm-prod upstream', createdAt: created, serviceAccount: 'litellm-prod' })]),
    ];
    const file = join(scratchDir('records'), `keys-${process.hrtime.bigint()}.ndjson`);
    writeFileSync(file, `${pages.map((p) => JSON.stringify(p)).join('\n')}\n`);
    expect((await replayFiles('billing', [file], config, store, createLogger('silent'))).rejected).toBe(0);
    await syncPolicy(store, loadPolicyFile(EXAMPLE_POLICY_FILE).policy, EXAMPLE_POLICY_FILE);
    const res = await store.client.query({
      query: 'SELECT credential_id, key_id, key_hint, team_id FROM provider_key_credentials ORDER BY credential_id, key_id',
      format: 'JSONEachRow',
    });
    expect(await res.json()).toEqual([
      { credential_id: 'anthropic-litellm-prod', key_id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT', key_hint: 'sk-ant-api03-01R...hmiT', team_id: '' },
      { credential_id: 'openai-litellm-prod', key_id: 'key_abc', key_hint: 'sk-proj-****_abc', team_id: '' },
      { credential_id: 'openai-ml-batch', key_id: 'key_mlBatch01', key_hint: 'sk-proj-****ch01', team_id: 'team-ml' },
      { credential_id: 'openai-ml-batch', key_id: 'key_mlBatch02', key_hint: 'sk-proj-****ch02', team_id: 'team-ml' },
    ]);
  }, 120_000);
});
