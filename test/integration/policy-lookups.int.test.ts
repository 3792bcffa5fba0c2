import { describe, expect, it } from 'vitest';
import { sharedScratchStore } from '../../src/detect/scratch-store.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../../src/policy/load.ts';
import { syncPolicy } from '../../src/policy/sync.ts';
import { policyLookups } from '../../src/views/policy-lookups.ts';
import { refreshPostureDays } from '../../src/views/posture-days.ts';
import { postureReport } from '../../src/views/posture.ts';
import type { Policy } from '../../schemas/policy/policy.ts';

/**
 * The console's team lookups are cached per (policy version, period) (src/views/policy-lookups.ts).
 * A version is a content hash, so the cache must switch the moment a sync stores another policy —
 * a person moved to another team shows under it on the next request, without a restart — and
 * switch back when the old policy is synced again.
 */
const FROM = '2026-10-01';
const TO = '2026-10-08';

/** The example policy with omar moved from team-data to team-web, and one more alias for team-web. */
function omarMovesToWeb(policy: Policy): Policy {
  const copy = structuredClone(policy);
  const data = copy.teams.find((t) => t.id === 'team-data');
  const web = copy.teams.find((t) => t.id === 'team-web');
  if (!data || !web) throw new Error('the example policy lost team-data or team-web');
  data.members = data.members?.filter((m) => m.email !== 'omar.haddad@example.com');
  web.members = [...(web.members ?? []), { email: 'omar.haddad@example.com' }];
  web.aliases = [...(web.aliases ?? []), 'Frontend Guild'];
  return copy;
}

describe('console team lookups across a policy sync', () => {
  it('serve the newly synced policy on the next request, and the old one again when it is synced back', async () => {
    const { store } = await sharedScratchStore();
    const example = loadPolicyFile(EXAMPLE_POLICY_FILE).policy;

    const first = await syncPolicy(store, example, EXAMPLE_POLICY_FILE);
    const before = await policyLookups(store, FROM, TO);
    expect(before.policy_version).toBe(first.version);
    expect(before.member_team['omar.haddad@example.com']).toBe('team-data');
    expect(before.alias_team['frontend guild']).toBeUndefined();
    // A second request for the period is the cached one.
    expect(await policyLookups(store, FROM, TO)).toBe(before);

    const moved = await syncPolicy(store, omarMovesToWeb(example), 'policy.edited.yaml');
    expect(moved.version).not.toBe(first.version);
    const after = await policyLookups(store, FROM, TO);
    expect(after.policy_version).toBe(moved.version);
    expect(after.member_team['omar.haddad@example.com']).toBe('team-web');
    expect(after.alias_team['frontend guild']).toBe('team-web');

    await syncPolicy(store, example, EXAMPLE_POLICY_FILE);
    const back = await policyLookups(store, FROM, TO);
    expect(back.member_team['omar.haddad@example.com']).toBe('team-data');
    expect(back.alias_team['frontend guild']).toBeUndefined();
  });

  it('the posture kept per day follows the policy version: figures of a new version are computed, an old version\'s are read again', async () => {
    const { store } = await sharedScratchStore();
    const example = loadPolicyFile(EXAMPLE_POLICY_FILE).policy;
    // omar's session on the period's first day: one model request with his e-mail, no gateway.
    await store.client.insert({ table: 'agent_events', format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: '' }, values: [{
      event_time: `${FROM} 09:00:00.000`, format: 'claude-code-otlp', event_name: 'api_request', session_id: 'posture-policy-omar',
      user_email: 'omar.haddad@example.com', model: 'claude-sonnet-4-5', request_id: 'posture-policy-omar-1',
    }] });
    const sessions = async () => {
      const report = await postureReport(store, { from: FROM, to: TO, team: [] });
      return Object.fromEntries(report.teams.map((t) => [t.team, t.gatewayShare.sessions]));
    };
    const first = await syncPolicy(store, example, EXAMPLE_POLICY_FILE);
    expect((await sessions())['team-data']).toBe(1);
    expect(await refreshPostureDays(store, FROM, TO, first.version)).toBe(0);

    const moved = await syncPolicy(store, omarMovesToWeb(example), 'policy.edited.yaml');
    expect(await sessions()).toMatchObject({ 'team-web': 1 });
    expect((await sessions())['team-data'] ?? 0).toBe(0);
    expect(await refreshPostureDays(store, FROM, TO, moved.version)).toBe(0);

    await syncPolicy(store, example, EXAMPLE_POLICY_FILE);
    // The example policy's days were kept under its version: nothing to compute again.
    expect(await refreshPostureDays(store, FROM, TO, first.version)).toBe(0);
    expect((await sessions())['team-data']).toBe(1);
  });
});
