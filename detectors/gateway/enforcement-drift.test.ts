import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { at } from '../_shared/fixtures.ts';
import { PEOPLE, kongBy, litellmBy } from '../_shared/fixtures-logging.ts';
import { busyMorning, sizeMatrix, sizedBudgets } from '../_shared/fixtures-sizes.ts';
import detector from './enforcement-drift.ts';

const DAY = { from: at('00:00'), to: at('00:00', 1) };
const { alice, carol, dave, erin } = PEOPLE;
const OPUS = { model: 'claude-opus-4-1-20250805', model_group: 'claude-opus' };
const HAIKU = { model: 'claude-haiku-4-5-20251001', model_group: 'claude-haiku' };
const spend = (usd: number) => ({ spend: usd });

/** Traffic the exported configuration allows: approved models, keys in their class, spend within budget. */
const allowed = [
  litellmBy(alice, at('09:05')),
  kongBy(alice, at('09:06')),
  litellmBy(carol, at('09:07')),
  // team-ml's override approves Opus.
  kongBy(erin, at('09:08'), { overrides: { ai: { proxy: { meta: { request_model: 'claude-opus-4-1', response_model: 'claude-opus-4-1-20250805' } } } } }),
  // The review bot on its class's model, within team-web's $60/day.
  litellmBy(dave, at('09:10'), { overrides: spend(20) }),
  litellmBy(dave, at('10:10'), { overrides: spend(20) }),
  // A team the policy does not know: left to the ownership detectors.
  litellmBy({ ...carol, team: 'team-skunkworks', otelTeam: 'skunkworks' }, at('09:12'), { overrides: { model: 'gpt-4o', model_group: 'gpt-4o' } }),
];

detectorCases(detector, [
  {
    name: 'fires on a model no class approves for the team, a key outside its class, and requests after the budget was spent',
    records: {
      gateway: [
        ...allowed,
        litellmBy(carol, at('11:10'), { overrides: OPUS }),
        litellmBy(carol, at('11:25'), { overrides: OPUS }),
        // team-web may chat on Haiku, but the review bot's key is approved for the review class's models only.
        litellmBy(dave, at('10:30'), { overrides: HAIKU }),
        // team-web: $20 + $20 (allowed) + $25 at 11:10 passes $60; the 12:00 and 13:00 hours are served anyway.
        litellmBy(dave, at('11:10'), { overrides: spend(25) }),
        litellmBy(dave, at('12:10'), { overrides: spend(5) }),
        litellmBy(dave, at('13:40'), { overrides: spend(4) }),
      ],
    },
    window: DAY,
    expect: [
      {
        entity: 'enforcement:litellm:team-data:model:claude-opus-4-1-20250805', team: 'team-data', identity: carol.email, credential: 'carol-claude-code',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ refusedBy: 'team', requests: 2, model: 'claude-opus-4-1-20250805' });
          expect(a.windowStart).toBe(at('00:00:00.000'));
        },
      },
      {
        entity: 'enforcement:litellm:team-web:budget', team: 'team-web', identity: dave.email,
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ budgetUsd: 60, requestsAfter: 2, costAfterUsd: 9, crossedHour: `${at('11:00').slice(0, 10)} 11:00:00` });
          expect(a.impactUsd).toBe(9);
        },
      },
      {
        entity: 'enforcement:litellm:team-web:model:claude-haiku-4-5-20251001', team: 'team-web', identity: dave.email, credential: 'web-review-bot',
        check: (a) => expect(a.evidence.figures).toMatchObject({ refusedBy: 'key', requests: 1 }),
      },
    ],
  },
  {
    // early: the open day is evaluated with what has landed; by 12:15 the refused model and the budget's crossing already show
    name: 'on the open day (early), fires on the morning\'s logs with the entities the whole day gives',
    records: {
      gateway: [
        ...allowed,
        litellmBy(carol, at('11:10'), { overrides: OPUS }),
        litellmBy(dave, at('11:10'), { overrides: spend(25) }),
        litellmBy(dave, at('12:10'), { overrides: spend(5) }),
      ],
    },
    window: DAY,
    expect: [
      { entity: 'enforcement:litellm:team-data:model:claude-opus-4-1-20250805', team: 'team-data', check: (a) => expect(a.evidence.figures).toMatchObject({ requests: 1 }) },
      { entity: 'enforcement:litellm:team-web:budget', team: 'team-web', check: (a) => expect(a.evidence.figures).toMatchObject({ requestsAfter: 1, costAfterUsd: 5 }) },
    ],
  },
  {
    name: 'quiet on approved models, keys within their class, spend within budget, and a budget passed by the day\'s last requests',
    records: {
      gateway: [
        ...allowed,
        // team-data passes $80 in its last hour: nothing was served after the budget was spent.
        litellmBy(carol, at('22:10'), { overrides: spend(70) }),
        litellmBy(carol, at('22:40'), { overrides: spend(15) }),
      ],
    },
    window: DAY,
    expect: 'none',
  },
  {
    name: 'quiet when the policy approves the model for the team',
    records: { gateway: [litellmBy(carol, at('11:10'), { overrides: OPUS })] },
    window: DAY,
    policy: (p) => ({
      ...p,
      taskClasses: p.taskClasses.map((c) => (c.id === 'coding' ? { ...c, teamOverrides: [...c.teamOverrides, { team: 'team-data', models: ['claude-opus-4-1*'] }] } : c)),
    }),
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): the size's working morning of coding requests on the approved model,
 * alice's and carol's in turn, costing its ordinary day within budgets sized to it; the planted
 * incident is one request served on a model no class approves for team-data.
 */
detectorCases(detector, sizeMatrix((size) => {
  const times = busyMorning(size);
  const usd = Math.round((size.dailyUsd / times.length) * 1e6) / 1e6;
  const coding = times.map((time, i) => litellmBy(i % 2 === 0 ? alice : carol, time, { overrides: spend(usd) }));
  const policy = sizedBudgets(size, ['team-platform-eng', 'team-data']);
  return [
    {
      name: 'fires on one request served on a refused model',
      records: { gateway: [...coding, litellmBy(carol, at('14:50'), { overrides: { ...OPUS, ...spend(usd) } })] },
      window: DAY,
      policy,
      expect: [{ entity: 'enforcement:litellm:team-data:model:claude-opus-4-1-20250805', team: 'team-data', check: (a) => expect(a.evidence.figures).toMatchObject({ refusedBy: 'team', requests: 1 }) }],
    },
    { name: 'quiet on approved models within budget', records: { gateway: coding }, window: DAY, policy, expect: 'none' },
  ];
}));
