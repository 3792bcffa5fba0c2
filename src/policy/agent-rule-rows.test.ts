import { describe, expect, it } from 'vitest';
import { policySchema } from '../../schemas/policy/policy.ts';
import { agentRuleRows } from './agent-rule-rows.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from './load.ts';

const { policy } = loadPolicyFile(EXAMPLE_POLICY_FILE);
const rows = agentRuleRows(policy);
const globs = (rule: string, team: string, cls = '') => rows.filter((r) => r['rule'] === rule && r['team_id'] === team && r['class_id'] === cls).map((r) => r['name_glob']);

describe('agent boundary rule rows', () => {
  it('extends org-wide expected hosts and permissions with the team ones; a present list is marked judged', () => {
    expect(globs('expected_host', 'team-ml')).toEqual(expect.arrayContaining(['', '*.example.com', 'huggingface.co']));
    expect(globs('expected_host', 'team-web')).not.toContain('huggingface.co');
    expect(globs('preapproved_tool', 'team-platform-eng')).toContain('mcp__kubernetes__get_*');
    expect(globs('permitted_mode', '')).toEqual(['', 'default', 'plan', 'acceptEdits']);
    // expected.mcpServers is given nowhere: not judged for anyone.
    expect(globs('expected_mcp_server', 'team-ml')).toEqual([]);
  });

  it('resolves MCP scope per task class with team overrides replacing the class list', () => {
    const edited = policySchema.parse({
      ...policy,
      agentBoundaries: { ...policy.agentBoundaries, mcpByTaskClass: [{ taskClass: 'coding', servers: ['github'], teamOverrides: [{ team: 'team-ml', servers: ['github', 'wandb'] }] }] },
    });
    const r = agentRuleRows(edited).filter((x) => x['rule'] === 'class_mcp_server');
    expect(r.filter((x) => x['team_id'] === 'team-ml').map((x) => x['name_glob'])).toEqual(['', 'github', 'wandb']);
    expect(r.filter((x) => x['team_id'] === 'team-web').map((x) => [x['name_glob'], x['scope']])).toEqual([['', 'org'], ['github', 'org']]);
  });

  it('uses a team surface list instead of the org-wide one', () => {
    const edited = policySchema.parse({ ...policy, agentBoundaries: { ...policy.agentBoundaries, surfaces: { orgWide: { paths: ['approved-gateway'] }, teams: [{ team: 'team-ml', paths: ['approved-gateway', 'cloud-provider'] }] } } });
    const paths = (team: string) => agentRuleRows(edited).filter((x) => x['rule'] === 'approved_path' && x['team_id'] === team).map((x) => x['name_glob']);
    expect(paths('team-ml')).toEqual(['', 'approved-gateway', 'cloud-provider']);
    expect(paths('team-data')).toEqual(['', 'approved-gateway']);
  });

  it('rejects unknown teams and task classes in the section', () => {
    const bad = policySchema.safeParse({ ...policy, agentBoundaries: { mcpByTaskClass: [{ taskClass: 'nope', servers: [] }], expected: { teams: [{ team: 'team-nope', hosts: [] }] } } });
    expect(bad.success).toBe(false);
    const messages = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(expect.arrayContaining(['agentBoundaries.expected.teams.0.team: unknown team "team-nope"', 'agentBoundaries.mcpByTaskClass.0.taskClass: unknown task class "nope"']));
  });
});
