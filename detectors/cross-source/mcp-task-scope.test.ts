import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { at } from '../_shared/fixtures.ts';
import { PEOPLE, apiRequestBy, litellmBy, toolEventBy } from '../_shared/fixtures-logging.ts';
import { SIZE_WINDOW, busyHour, sizeMatrix } from '../_shared/fixtures-sizes.ts';
import detector from './mcp-task-scope.ts';

const HOUR = { from: at('14:00'), to: at('15:00') };
const { alice, carol, dave } = PEOPLE;
const CODING = '5ab36ea7-c18f-42d3-a465-7f8091a2b3c6';
const REVIEW = '6bc47fb8-d290-43e4-b576-8091a2b3c4d7';
const NO_GATEWAY = '7cd58ac9-e3a1-44f5-8687-91a2b3c4d5e8';

/** A coding session (alice's *-claude-code key, tag claude-code) and a review session (web-review-bot), each using its own servers. */
const gateway = [
  litellmBy(alice, at('14:01'), { session: CODING }),
  litellmBy(alice, at('14:05'), { session: CODING }),
  litellmBy(dave, at('14:10'), { session: REVIEW, overrides: { request_tags: ['code-review'] } }),
];
const inScope = [
  apiRequestBy(alice, at('14:02'), CODING),
  toolEventBy(alice, at('14:03'), 'mcp__github__create_pull_request', { session: CODING }),
  toolEventBy(alice, at('14:04'), 'mcp__jira__search_issues', { session: CODING }),
  // kubernetes is approved for team-platform-eng (tools) but no task class lists it: not judged here.
  toolEventBy(alice, at('14:06'), 'mcp__kubernetes__get_pods', { session: CODING }),
  apiRequestBy(dave, at('14:11'), REVIEW),
  toolEventBy(dave, at('14:12'), 'mcp__sonarqube__get_issues', { session: REVIEW }),
];

detectorCases(detector, [
  {
    name: 'fires when a coding session calls servers approved only for the review and chat classes',
    records: {
      gateway,
      agent: [
        ...inScope,
        toolEventBy(alice, at('14:20'), 'mcp__confluence__search', { session: CODING }),
        toolEventBy(alice, at('14:21'), 'mcp__sonarqube__get_issues', { session: CODING }),
        toolEventBy(alice, at('14:22'), 'mcp__sonarqube__get_issues', { session: CODING, decision: 'reject' }),
      ],
    },
    window: HOUR,
    expect: [
      {
        entity: `session:${CODING}`, team: 'team-platform-eng', identity: 'alice@example.com', credential: 'alice-claude-code',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ sessionClass: 'coding', servers: ['confluence', 'sonarqube'], approvedFor: ['chat', 'review'], calls: 2, classifiedRequests: 2 });
          expect(a.windowStart).toBe(at('00:00:00.000'));
        },
      },
    ],
  },
  {
    name: 'quiet for servers of the session\'s own class, servers no class lists, sessions without gateway requests, and a team override',
    records: {
      gateway,
      agent: [
        ...inScope,
        apiRequestBy(carol, at('14:30'), NO_GATEWAY),
        toolEventBy(carol, at('14:31'), 'mcp__confluence__search', { session: NO_GATEWAY }),
        toolEventBy(alice, at('14:32'), 'mcp__confluence__search', { session: CODING }),
      ],
    },
    window: HOUR,
    policy: (p) => ({
      ...p,
      agentBoundaries: {
        ...p.agentBoundaries,
        mcpByTaskClass: p.agentBoundaries.mcpByTaskClass.map((c) => (c.taskClass === 'coding' ? { ...c, teamOverrides: [{ team: 'team-platform-eng', servers: ['github', 'jira', 'confluence'], tools: [] }] } : c)),
      },
    }),
    expect: 'none',
  },
  {
    // A window that does not end on the hour reads the calls themselves (agent_boundary_events), not the hourly roll-up,
    // which would count the 14:40 call.
    name: 'a window that is not whole hours counts its own calls only',
    records: {
      gateway,
      agent: [
        ...inScope,
        toolEventBy(alice, at('14:20'), 'mcp__confluence__search', { session: CODING }),
        toolEventBy(alice, at('14:21'), 'mcp__confluence__search', { session: CODING }),
        toolEventBy(alice, at('14:40'), 'mcp__sonarqube__get_issues', { session: CODING }),
      ],
    },
    window: { from: at('14:00'), to: at('14:30') },
    expect: [{ entity: `session:${CODING}`, check: (a) => expect(a.evidence.figures).toMatchObject({ servers: ['confluence'], approvedFor: ['chat'], calls: 2 }) }],
  },
  // The class tolerance: whole hours read the hourly request shapes, other tolerances the requests to the second.
  ...[
    { request: '13:05', tolerance: undefined, fires: true, name: 'a request in the hour before classifies with the default hour of tolerance' },
    { request: '13:40', tolerance: 1_800, fires: true, name: 'a request 20 minutes before classifies with 30 minutes of tolerance' },
    { request: '13:20', tolerance: 1_800, fires: false, name: 'a request 40 minutes before does not classify with 30 minutes of tolerance' },
  ].map(({ request, tolerance, fires, name }) => ({
    name,
    records: {
      gateway: [litellmBy(alice, at(request), { session: CODING })],
      agent: [apiRequestBy(alice, at('14:02'), CODING), toolEventBy(alice, at('14:20'), 'mcp__confluence__search', { session: CODING })],
    },
    window: HOUR,
    ...(tolerance === undefined ? {} : { params: { classToleranceSeconds: tolerance } }),
    expect: fires ? [{ entity: `session:${CODING}`, check: (a: { evidence: { figures: Record<string, unknown> } }) => expect(a.evidence.figures).toMatchObject({ sessionClass: 'coding', servers: ['confluence'], classifiedRequests: 1 }) }] : 'none' as const,
  })),
]);

/**
 * The size matrix (issue 14): the size's busiest hour of coding sessions (gateway request,
 * telemetry, a github call each); the planted incident is one coding session calling a server
 * approved only for the chat and review classes.
 */
detectorCases(detector, sizeMatrix((size) => {
  const drifting = { time: at('14:50'), session: crypto.randomUUID() };
  const sessions = [...busyHour(size), drifting];
  const gateway = sessions.map(({ time, session }) => litellmBy(alice, time, { session }));
  const work = sessions.flatMap(({ time, session }) => [apiRequestBy(alice, time, session), toolEventBy(alice, time, 'mcp__github__create_pull_request', { session })]);
  return [
    {
      name: 'fires on one call outside the session\'s task class',
      records: { gateway, agent: [...work, toolEventBy(alice, at('14:51'), 'mcp__confluence__search', { session: drifting.session })] },
      window: SIZE_WINDOW,
      expect: [{ entity: `session:${drifting.session}`, team: 'team-platform-eng', check: (a) => expect(a.evidence.figures).toMatchObject({ sessionClass: 'coding', servers: ['confluence'], calls: 1 }) }],
    },
    { name: 'quiet when every session calls its own class\'s servers', records: { gateway, agent: work }, window: SIZE_WINDOW, expect: 'none' },
  ];
}));
