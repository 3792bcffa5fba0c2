import { describe, expect, it } from 'vitest';
import { sharedScratchStore } from '../detect/scratch-store.ts';
import type { Store } from '../store/store.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from './load.ts';
import { currentPolicyVersion, syncPolicy } from './sync.ts';

async function rows<T>(store: Store, query: string): Promise<T[]> {
  const res = await store.client.query({ query, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
  return res.json<T>();
}

describe('policy sync', () => {
  it('loads the policy into tables detectors can join, and switches versions in one step', async () => {
    const { store } = await sharedScratchStore();
    const { policy } = loadPolicyFile(EXAMPLE_POLICY_FILE);
    const first = await syncPolicy(store, policy, EXAMPLE_POLICY_FILE);
    expect(first.changed).toBe(true);
    expect(await currentPolicyVersion(store)).toBe(first.version);

    const teams = await rows<{ team_id: string }>(store, 'SELECT team_id FROM policy_teams ORDER BY team_id');
    expect(teams.map((t) => t.team_id)).toEqual(['team-data', 'team-ml', 'team-platform-eng', 'team-web']);
    // A join a detector would write: which team does OTel team.id "platform" mean?
    const [resolved] = await rows<{ team_id: string }>(store, "SELECT team_id FROM policy_team_aliases WHERE alias = lower('Platform')");
    expect(resolved?.team_id).toBe('team-platform-eng');
    const [managed] = await rows<{ n: number }>(
      store,
      "SELECT count() AS n FROM policy_credentials WHERE provider = 'bedrock' AND match('arn:aws:sts::123456789012:assumed-role/litellm-gateway/i-0abc', principal_pattern)",
    );
    expect(managed?.n).toBe(1);

    // Unchanged policy: nothing written.
    expect((await syncPolicy(store, policy, EXAMPLE_POLICY_FILE)).changed).toBe(false);

    // A changed policy replaces every view's content at once; the old rows stay as history.
    const smaller = { ...policy, teams: policy.teams.slice(0, 1), taskClasses: [], credentials: [], gatewayKeys: [], aiApps: [] };
    const second = await syncPolicy(store, smaller, 'edited.yaml');
    expect(second.version).not.toBe(first.version);
    expect((await rows<{ team_id: string }>(store, 'SELECT team_id FROM policy_teams')).map((t) => t.team_id)).toEqual(['team-platform-eng']);
    expect(await rows(store, 'SELECT * FROM policy_credentials')).toEqual([]);
    const [history] = await rows<{ n: number }>(store, 'SELECT count() AS n FROM policy_teams_all');
    expect(history?.n).toBe(5);

    // Going back to the first file re-activates its stored version without re-inserting rows.
    const back = await syncPolicy(store, policy, EXAMPLE_POLICY_FILE);
    expect(back).toMatchObject({ version: first.version, changed: true });
    expect((await rows<{ n: number }>(store, 'SELECT count() AS n FROM policy_teams_all'))[0]?.n).toBe(5);
    expect((await rows(store, 'SELECT * FROM policy_teams')).length).toBe(4);
  });
});
