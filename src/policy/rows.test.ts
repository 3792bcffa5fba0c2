import { describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from './load.ts';
import { policyRows } from './rows.ts';
import { globMatches, globToRegex } from './glob.ts';

const { policy } = loadPolicyFile(EXAMPLE_POLICY_FILE);
const rows = policyRows(policy);

describe('policy rows', () => {
  it('resolves approved models per team: an override replaces the org-wide list', () => {
    const coding = (team: string) => rows.policy_models_all.filter((r) => r['team_id'] === team && r['class_id'] === 'coding').map((r) => r['model_glob']);
    expect(coding('team-ml')).toEqual(['claude-opus-4-1*', 'claude-sonnet-4-5*', 'claude-sonnet']);
    expect(coding('team-web')).toEqual(['claude-sonnet-4-5*', 'claude-sonnet']);
    expect(coding('')).toEqual(['claude-sonnet-4-5*', 'claude-sonnet']);
  });

  it('extends org-wide tools with the team ones', () => {
    const servers = (team: string) => rows.policy_tools_all.filter((r) => r['team_id'] === team && r['kind'] === 'mcp_server').map((r) => r['name_glob']);
    expect(servers('team-data')).toEqual(['github', 'jira', 'confluence', 'snowflake', 'dbt']);
    expect(servers('')).toEqual(['github', 'jira', 'confluence']);
  });

  it('closes each budget where the next begins and keeps the replaced limits', () => {
    const platform = rows.policy_budgets_all.filter((r) => r['team_id'] === 'team-platform-eng');
    expect(platform).toEqual([
      expect.objectContaining({ effective_from: '2026-01-01 00:00:00.000', effective_to: '2026-08-01 00:00:00.000', daily_usd: 150, previous_daily_usd: null }),
      expect.objectContaining({ effective_from: '2026-08-01 00:00:00.000', effective_to: '2299-12-31 23:59:59.000', daily_usd: 250, previous_daily_usd: 150, note: expect.stringContaining('FIN-142') }),
    ]);
  });

  it('bounds memberships and resolves every alias (lower-cased) to its team', () => {
    const frank = rows.policy_team_members_all.filter((r) => r['email'] === 'frank.ortiz@example.com');
    expect(frank).toEqual([
      { team_id: 'team-web', email: 'frank.ortiz@example.com', valid_from: '1970-01-01 00:00:00.000', valid_to: '2026-07-01 00:00:00.000' },
      { team_id: 'team-ml', email: 'frank.ortiz@example.com', valid_from: '2026-07-01 00:00:00.000', valid_to: '2299-12-31 23:59:59.000' },
    ]);
    expect(rows.policy_team_aliases_all).toEqual(expect.arrayContaining([
      { alias: 'platform', team_id: 'team-platform-eng' },
      { alias: 'platform eng', team_id: 'team-platform-eng' },
      { alias: 'team-platform-eng', team_id: 'team-platform-eng' },
    ]));
  });

  it('maps provider credentials onto provider_usage id conventions', () => {
    const byId = new Map(rows.policy_credentials_all.map((r) => [r['credential_id'], r]));
    expect(byId.get('openai-litellm-prod')).toMatchObject({ provider: 'openai', api_key_id: 'key_abc', workspace_id: 'proj_abc' });
    const bedrock = byId.get('bedrock-litellm-prod');
    expect(bedrock).toMatchObject({ workspace_id: '123456789012', principal_pattern: '^arn:aws:sts::123456789012:assumed-role/litellm-gateway/.*$' });
  });

  it('compiles globs to anchored patterns with literal dots', () => {
    expect(globToRegex('claude-sonnet-4.5*')).toBe('^claude-sonnet-4\\.5.*$');
    expect(globMatches('claude-cli/*', 'claude-cli/2.1.200 (external, cli)')).toBe(true);
    expect(globMatches('claude-cli/*', 'xclaude-cli/2')).toBe(false);
    expect(globMatches('v?', 'v1')).toBe(true);
  });
});
