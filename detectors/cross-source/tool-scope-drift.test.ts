import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { at, oktaEvent } from '../_shared/fixtures.ts';
import { PEOPLE, apiRequestBy, kongBy, litellmBy, toolEventBy } from '../_shared/fixtures-logging.ts';
import { sizeMatrix, type OrgSize } from '../_shared/fixtures-sizes.ts';
import detector from './tool-scope-drift.ts';

const HOUR = { from: at('14:00'), to: at('15:00') };
const { alice, carol, omar, dave, erin, frank } = PEOPLE;
const S1 = '5a1c7e20-3b94-4d1f-a6c8-0e2f9b7d4c31';
const S2 = '8e3b2d14-6f70-4a5c-b9e1-2c4d6f8a0b53';

/** Tool use the example policy approves: org-wide (Bash, Read, github, jira) and per team. */
const approved = [
  toolEventBy(alice, at('14:05'), 'Bash', { session: S1 }),
  toolEventBy(alice, at('14:06'), 'Read', { session: S1 }),
  toolEventBy(alice, at('14:07'), 'mcp__kubernetes__get_pods', { session: S1 }),
  toolEventBy(alice, at('14:08'), 'mcp__github__create_pull_request', { session: S1 }),
  toolEventBy(dave, at('14:09'), 'WebFetch'),
  toolEventBy(carol, at('14:10'), 'mcp__snowflake__run_query'),
  toolEventBy(omar, at('14:11'), 'mcp__jira__search_issues'),
  toolEventBy(erin, at('14:12'), 'mcp__wandb__log_run'),
];
const approvedGateway = [
  litellmBy(dave, at('14:13'), { mcp: { server: 'figma', tool: 'get_file' } }),
  // Kong AI MCP proxy: the Kong service fronts the MCP server.
  kongBy(erin, at('14:14'), { overrides: { service: { name: 'huggingface' }, ai: { mcp: { mcp_session_id: 'mcp-1', rpc: [{ method: 'tools/call', tool_name: 'search_models' }] } } } }),
];

detectorCases(detector, [
  {
    name: 'fires per team and server (or tool) outside the approved list, from agent telemetry and gateway MCP calls',
    records: {
      agent: [
        ...approved,
        // omar (team-data): notion twice (one call also has its accept decision), one call rejected.
        toolEventBy(omar, at('14:15'), 'mcp__notion__search', { session: S2, toolUseId: 'toolu_01NotionSearch1' }),
        toolEventBy(omar, at('14:15'), 'mcp__notion__search', { session: S2, toolUseId: 'toolu_01NotionSearch1', decision: 'accept' }),
        toolEventBy(omar, at('14:16'), 'mcp__notion__search', { session: S2 }),
        toolEventBy(omar, at('14:17'), 'mcp__notion__create_page', { session: S2, decision: 'reject' }),
        // team-ml: linear, first used three days ago, now by two people.
        toolEventBy(erin, at('10:00', -3), 'mcp__linear__list_issues'),
        toolEventBy(erin, at('14:20'), 'mcp__linear__list_issues'),
        toolEventBy(frank, at('14:25'), 'mcp__linear__create_issue'),
        // WebFetch is approved for team-web only.
        toolEventBy(alice, at('14:30'), 'WebFetch', { session: S1 }),
        // Outside the window: not this hour's business.
        toolEventBy(carol, at('15:00'), 'mcp__slack__post_message'),
        apiRequestBy(alice, at('14:04'), S1),
      ],
      gateway: [
        ...approvedGateway,
        litellmBy(dave, at('14:31'), { mcp: { server: 'deepwiki', tool: 'read_wiki_structure' } }),
        litellmBy(dave, at('14:32'), { mcp: { server: 'deepwiki', tool: 'read_wiki_structure' } }),
      ],
      idp: [oktaEvent(at('13:58:02'))],
    },
    window: HOUR,
    expect: [
      {
        entity: 'team-data:mcp:notion', team: 'team-data', identity: 'omar.haddad@example.com', credential: '',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ calls: 2, rejectedCalls: 1, agentCalls: 2, gatewayCalls: 0, sessions: 1, users: ['omar.haddad@example.com'], tools: ['mcp__notion__search'] });
          expect(a.windowStart).toBe(at('00:00:00.000'));
          expect(a.evidence.figures['firstSeen']).toBe(at('14:15:00.000').replace('T', ' ').replace('Z', ''));
          expect(a.summary).toMatch(/1 further call\(s\) were rejected/);
          // One sample per event that ran (the accept decision and its result share a timestamp), never the rejected one.
          expect(a.evidence.samples?.length).toBe(2);
          expect(JSON.stringify(a.evidence.samples)).not.toContain('create_page');
        },
      },
      {
        entity: 'team-ml:mcp:linear', team: 'team-ml', identity: 'erin.walsh@example.com',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ calls: 2, rejectedCalls: 0 });
          expect([...(a.evidence.figures['users'] as string[])].sort()).toEqual(['erin.walsh@example.com', 'frank.ortiz@example.com']);
          expect([...(a.evidence.figures['tools'] as string[])].sort()).toEqual(['mcp__linear__create_issue', 'mcp__linear__list_issues']);
          // First use three days ago anchors the incident: one alert for the continued use.
          expect(a.windowStart).toBe(at('00:00:00.000', -3));
          expect(a.summary).toMatch(/In use since/);
        },
      },
      { entity: 'team-platform-eng:tool:WebFetch', team: 'team-platform-eng', identity: 'alice@example.com', check: (a) => expect(a.evidence.figures).toMatchObject({ kind: 'tool', calls: 1 }) },
      {
        entity: 'team-web:mcp:deepwiki', team: 'team-web', identity: 'dave.kim@example.com', credential: 'web-review-bot',
        check: (a) => expect(a.evidence.figures).toMatchObject({ calls: 2, gatewayCalls: 2, agentCalls: 0, sources: ['gateway'], tools: ['mcp__deepwiki__read_wiki_structure'] }),
      },
    ],
  },
  {
    name: 'fires on what the policy no longer approves, and judges MCP tools approved one by one',
    records: {
      agent: [
        ...approved,
        toolEventBy(alice, at('14:40'), 'mcp__kubernetes__describe_pod', { session: S2 }),
        toolEventBy(omar, at('14:41'), 'mcp__notion__search'),
        toolEventBy(omar, at('14:42'), 'mcp__notion__create_page'),
      ],
      gateway: approvedGateway,
    },
    window: HOUR,
    policy: (p) => ({
      ...p,
      teams: p.teams.map((t) => (t.id === 'team-platform-eng' ? { ...t, tools: { tools: [], mcpServers: ['pagerduty'] } } : t)),
      tools: { orgWide: { ...p.tools.orgWide, tools: [...p.tools.orgWide.tools, 'mcp__notion__search'] } },
    }),
    expect: [
      { entity: 'team-platform-eng:mcp:kubernetes', identity: 'alice@example.com', check: (a) => expect(a.evidence.figures).toMatchObject({ calls: 2, sessions: 2 }) },
      { entity: 'team-data:mcp:notion', identity: 'omar.haddad@example.com', check: (a) => expect(a.evidence.figures).toMatchObject({ calls: 1, tools: ['mcp__notion__create_page'] }) },
    ],
  },
  {
    name: 'quiet for approved tools and servers, rejected-only calls, and use outside the window',
    records: {
      agent: [
        ...approved,
        toolEventBy(omar, at('14:17'), 'mcp__notion__create_page', { decision: 'reject' }),
        toolEventBy(carol, at('13:59:59'), 'mcp__slack__post_message'),
        toolEventBy(carol, at('15:00'), 'mcp__slack__post_message'),
        apiRequestBy(alice, at('14:04'), S1),
      ],
      gateway: approvedGateway,
      idp: [oktaEvent(at('13:58:02'))],
    },
    window: HOUR,
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): the size's sessions each calling approved tools (Bash, Read, github);
 * the planted incident is one call of a server team-data never had approved, as visible in 400
 * sessions' tool calls as in 3.
 */
function approvedHour(size: OrgSize) {
  return Array.from({ length: size.activeSessions }, (_, i) => {
    const session = crypto.randomUUID();
    const t = (m: number) => new Date(Date.parse(at('14:01')) + (i % 50) * 60_000 + m * 1_000).toISOString();
    return [toolEventBy(carol, t(0), 'Bash', { session }), toolEventBy(carol, t(1), 'Read', { session }), toolEventBy(carol, t(2), 'mcp__github__get_issue', { session })];
  }).flat();
}

detectorCases(detector, sizeMatrix((size) => [
  {
    name: 'fires on one call of an unapproved MCP server',
    records: { agent: [...approvedHour(size), toolEventBy(carol, at('14:55'), 'mcp__notion__search')] },
    window: HOUR,
    expect: [{ entity: 'team-data:mcp:notion', team: 'team-data' }],
  },
  { name: 'quiet when every call is to an approved tool or server', records: { agent: approvedHour(size) }, window: HOUR, expect: 'none' },
]));
