import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { at } from '../_shared/fixtures.ts';
import { decisionBy, permissionModeBy } from '../_shared/fixtures-boundaries.ts';
import { PEOPLE, apiRequestBy, toolEventBy } from '../_shared/fixtures-logging.ts';
import { SIZE_WINDOW, busyHour, sizeMatrix } from '../_shared/fixtures-sizes.ts';
import detector from './local-permission-expansion.ts';

const HOUR = { from: at('14:00'), to: at('15:00') };
const { alice, carol, dave } = PEOPLE;
const S1 = '3e914c85-af6d-40b1-8243-5d6e7f8091a4';
const S2 = '4fa25d96-b07e-41c2-9354-6e7f8091a2b5';

/** Central approvals and one-off decisions: nothing expanded locally. */
const governed = [
  apiRequestBy(alice, at('14:01'), S1),
  permissionModeBy(alice, at('14:02'), 'acceptEdits', { session: S1 }),
  permissionModeBy(alice, at('14:03'), 'plan', { session: S1 }),
  decisionBy(alice, at('14:04'), 'Edit', 'config', { session: S1 }),
  decisionBy(alice, at('14:05'), 'mcp__github__create_pull_request', 'user_permanent', { session: S1 }),
  // kubernetes read tools are pre-approved for team-platform-eng only.
  decisionBy(alice, at('14:06'), 'mcp__kubernetes__get_pods', 'config', { session: S1 }),
  decisionBy(carol, at('14:07'), 'Bash', 'user_temporary'),
  decisionBy(carol, at('14:08'), 'Bash', 'hook'),
  decisionBy(dave, at('14:09'), 'Bash', 'user_reject'),
  toolEventBy(carol, at('14:10'), 'Bash'),
];

detectorCases(detector, [
  {
    name: 'fires per person on a non-permitted mode and on local lasting approvals of tools not pre-approved',
    records: {
      agent: [
        ...governed,
        permissionModeBy(carol, at('14:20'), 'bypassPermissions', { session: S2, trigger: 'cli_flag' }),
        decisionBy(carol, at('14:21'), 'Bash', 'config', { session: S2 }),
        decisionBy(carol, at('14:22'), 'WebFetch', 'user_permanent', { session: S2 }),
        decisionBy(dave, at('14:30'), 'mcp__kubernetes__delete_pod', 'config'),
      ],
    },
    window: HOUR,
    expect: [
      {
        entity: 'carol.nguyen@example.com:local-permissions', team: 'team-data', identity: 'carol.nguyen@example.com',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ modes: ['bypassPermissions'], modeChanges: 1, modeTriggers: ['cli_flag'], tools: ['Bash', 'WebFetch'], approvals: 2, approvalSources: ['config', 'user_permanent'], sessions: [S2] });
          expect(a.windowStart).toBe(at('00:00:00.000'));
          expect(a.evidence.samples?.length).toBe(3);
        },
      },
      { entity: 'dave.kim@example.com:local-permissions', team: 'team-web', identity: 'dave.kim@example.com', check: (a) => expect(a.evidence.figures).toMatchObject({ tools: ['mcp__kubernetes__delete_pod'], modes: [] }) },
    ],
  },
  {
    name: 'quiet for permitted modes, pre-approved tools, one-off and hook decisions, rejections, and a team-wide mode approval',
    records: { agent: [...governed, permissionModeBy(carol, at('14:20'), 'bypassPermissions', { session: S2 })] },
    window: HOUR,
    policy: (p) => ({ ...p, agentBoundaries: { ...p.agentBoundaries, permissions: { ...p.agentBoundaries.permissions, teams: [...p.agentBoundaries.permissions.teams, { team: 'team-data', modes: ['bypassPermissions'] }] } } }),
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): the size's busiest hour, each request with a centrally approved
 * decision (Edit, pre-approved by config); the planted incident is one person switching to a mode
 * the policy does not permit.
 */
detectorCases(detector, sizeMatrix((size) => {
  const work = busyHour(size).flatMap(({ time, session }) => [apiRequestBy(alice, time, session), decisionBy(alice, time, 'Edit', 'config', { session })]);
  return [
    {
      name: 'fires on one switch to bypassPermissions',
      records: { agent: [...work, permissionModeBy(carol, at('14:50'), 'bypassPermissions', { trigger: 'cli_flag' })] },
      window: SIZE_WINDOW,
      expect: [{ entity: 'carol.nguyen@example.com:local-permissions', team: 'team-data', check: (a) => expect(a.evidence.figures).toMatchObject({ modes: ['bypassPermissions'], modeChanges: 1 }) }],
    },
    { name: 'quiet on centrally approved decisions', records: { agent: work }, window: SIZE_WINDOW, expect: 'none' },
  ];
}));
