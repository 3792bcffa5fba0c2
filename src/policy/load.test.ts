import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile, parsePolicy, resolvePolicyFile, type PolicyIssue } from './load.ts';

function issuesOf(text: string): PolicyIssue[] {
  try {
    parsePolicy(text, 'broken.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('POLICY_INVALID');
    return (err as AppError).context['issues'] as PolicyIssue[];
  }
  throw new Error('expected the policy to be rejected');
}

const VALID_HEAD = `version: 1
gateways:
  - id: litellm-prod
    kind: litellm
`;

describe('policy loading', () => {
  it('parses the shipped example', () => {
    const { policy } = loadPolicyFile(EXAMPLE_POLICY_FILE);
    expect(policy.teams.map((t) => t.id)).toEqual(['team-platform-eng', 'team-data', 'team-web', 'team-ml']);
    expect(policy.taskClasses.map((c) => c.id)).toEqual(['coding', 'review', 'chat']);
    const platform = policy.teams[0];
    // The approved increase is a second entry, not an edited number.
    expect(platform?.budgets.map((b) => b.dailyUsd)).toEqual([150, 250]);
    expect(platform?.members.find((m) => m.email === 'bob.martin@example.com')?.to).toBe('2026-08-19T16:41:27Z');
    expect(policy.credentials.find((c) => c.provider === 'anthropic')).toMatchObject({ apiKeyId: 'apikey_01Rj2N8SVvo6BePZj99NhmiT' });
  });

  it('reports every problem at once, each with its field path and line:column', () => {
    const text = `${VALID_HEAD}teams:
  - id: team-web
    name: Web
    owner: not-an-email
    budgets:
      - { from: 2026-02-01, dailyUsd: -5 }
      - { from: 2026-01-01, montlyUsd: 100 }
credentials:
  - id: stray
    provider: anthropic
    apiKeyId: sk-ant-api03-oops
    gateway: kong-somewhere
    team: team-nope
`;
    const issues = issuesOf(text);
    const byPath = new Map(issues.map((i) => [i.path, i]));
    expect(byPath.get('teams.0.owner')).toMatchObject({ line: 8, column: 12 });
    expect(byPath.get('teams.0.budgets.0.dailyUsd')).toMatchObject({ line: 10, column: 39 });
    expect(byPath.get('teams.0.budgets.1.montlyUsd')).toMatchObject({ line: 11, column: 29, message: 'unknown field "montlyUsd"' });
    expect(byPath.get('credentials.0.apiKeyId')).toMatchObject({ line: 15, message: expect.stringContaining('apikey_01') });
    // All structural problems in one report, in file order.
    expect(issues.length).toBeGreaterThanOrEqual(4);
    expect(issues.map((i) => i.line)).toEqual([...issues.map((i) => i.line)].sort((a, b) => a - b));
  });

  it('reports cross-reference problems at the referring field', () => {
    const text = `${VALID_HEAD}teams:
  - id: team-web
    name: Web
    owner: dave@example.com
    aliases: [web]
    budgets:
      - { from: 2026-02-01, dailyUsd: 5 }
      - { from: 2026-01-01, dailyUsd: 10 }
  - id: team-ml
    name: ML
    owner: erin@example.com
    aliases: [WEB]
credentials:
  - id: stray
    provider: openai
    projectId: proj_x1
    gateway: kong-somewhere
    team: team-nope
`;
    const issues = issuesOf(text);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'teams.0.budgets.1.from', line: 12, message: expect.stringContaining('increasing') }),
        expect.objectContaining({ path: 'teams.1.aliases.0', line: 16, message: expect.stringContaining('already used at teams.0.aliases.0') }),
        expect.objectContaining({ path: 'credentials.0.gateway', line: 21, message: 'unknown gateway "kong-somewhere"' }),
        expect.objectContaining({ path: 'credentials.0.team', line: 22, message: 'unknown team "team-nope"' }),
      ]),
    );
  });

  it('reports YAML syntax errors with their position, and names the file', () => {
    let message = '';
    try {
      parsePolicy(`${VALID_HEAD}teams:\n  - id: [unclosed\n`, 'policy.yaml');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/policy\.yaml:\d+:\d+ \(root\): YAML:/);
  });

  it('requires a provider-specific credential field', () => {
    const issues = issuesOf(`${VALID_HEAD}teams: [{ id: t, name: T, owner: t@example.com }]\ncredentials:\n  - { id: b, provider: bedrock, gateway: litellm-prod, apiKeyId: key_x }\n`);
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['credentials.0.apiKeyId', 'credentials.0']));
  });

  it('takes --policy over the configured file and fails clearly without either', () => {
    expect(resolvePolicyFile('a.yaml', 'b.yaml')).toBe('a.yaml');
    expect(resolvePolicyFile(undefined, 'b.yaml')).toBe('b.yaml');
    expect(() => resolvePolicyFile(undefined, undefined)).toThrow(/DRIFTWATCH_POLICY/);
  });

  it('keeps the example readable: every team has an owner among the example.com addresses', () => {
    expect(readFileSync(EXAMPLE_POLICY_FILE, 'utf8')).not.toMatch(/@(?!example\.com)[a-z0-9-]+\.[a-z]/i);
  });
});
