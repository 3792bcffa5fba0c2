import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { anthropicUsagePage, at, claudeCodeEvent } from '../_shared/fixtures.ts';
import { kongRequest, litellmRequest, tokens, type KeyOwner } from '../_shared/fixtures-finops.ts';
import { SIZE_WINDOW, busyHour, sizeMatrix } from '../_shared/fixtures-sizes.ts';
import detector from './routing-drift.ts';

const HOUR = { from: at('14:00'), to: at('15:00') };
const T = tokens({ uncached: 2_000, cacheRead: 40_000, output: 800 });
const SONNET = 'claude-sonnet-4-5-20250929';
const OPUS = 'claude-opus-4-1-20250805';

/** LiteLLM request: model_group is what the client asked for, model what served it (N5). */
function litellm(time: string, owner: KeyOwner, served: string, requested: string, tags: string[], extra: Record<string, unknown> = {}) {
  return litellmRequest(at(time), owner, T, { model: served, model_group: requested, request_tags: tags, ...extra });
}
/** Kong request from Claude Code (user-agent claude-cli/… → coding): request_model vs response_model. */
function kong(time: string, consumer: 'alice' | 'erin', requested: string, served: string) {
  return kongRequest(at(time), consumer, T, { ai: { proxy: { meta: { request_model: requested, response_model: served } } } });
}

/** A team's PR-review bot on its own LiteLLM key (alias *-review-bot → review), owned by no person in the log. */
function reviewBot(time: string, team: string, served: string) {
  return litellmRequest(at(time), 'alice', T, {
    api_key: team === 'team-data' ? 'd'.repeat(64) : 'e'.repeat(64), user: '', team_id: team, model: served, model_group: 'claude-sonnet-4-5', request_tags: [],
    metadata: { user_api_key_alias: `${team}-review-bot`, user_api_key_user_id: '', user_api_key_team_id: team },
  });
}

/** Approved, consistent traffic: coding on Sonnet (team-ml on Opus by override), review on Sonnet. */
const approved = [
  litellm('14:01', 'alice', SONNET, 'claude-sonnet', ['claude-code']),
  litellm('14:02', 'alice', SONNET, 'claude-sonnet', ['claude-code']),
  kong('14:03', 'alice', 'claude-sonnet-4-5', SONNET),
  litellm('14:04', 'carol', SONNET, 'claude-sonnet', ['claude-code']),
  litellm('14:05', 'carol', SONNET, 'claude-sonnet', ['claude-code']),
  kong('14:06', 'erin', 'claude-opus-4-1', OPUS),
  reviewBot('14:07', 'team-platform-eng', SONNET),
  reviewBot('14:08', 'team-data', SONNET),
];
// team-web's review bot on GPT-5 Codex: approved org-wide for review, but every other team reviews with Sonnet.
const webReviewBot = litellm('14:20', 'daveBot', 'gpt-5-codex', 'gpt-5-codex', ['code-review'], { custom_llm_provider: 'openai' });

detectorCases(detector, [
  {
    name: 'fires on an unapproved model, a silent fallback to an unapproved model, and a team diverging from the org model',
    records: {
      gateway: [
        ...approved,
        webReviewBot,
        // Carol's coding agent on Opus: only team-ml's override approves it.
        litellm('14:30', 'carol', OPUS, 'claude-opus-4-1', ['claude-code']),
        // Kong asked Anthropic for Sonnet and got Haiku back.
        kong('14:40', 'alice', 'claude-sonnet-4-5', 'claude-haiku-4-5-20251001'),
      ],
      // Other sources in the same hour do not matter to this detector.
      billing: [anthropicUsagePage(HOUR.from, [{}])],
      agent: [claudeCodeEvent(at('14:30'))],
    },
    window: HOUR,
    expect: [
      {
        entity: `routing:team-data:coding:${OPUS}`,
        team: 'team-data',
        identity: 'carol.nguyen@example.com',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ reasons: ['unapproved'], requests: 1, fallbackRequests: 0, approvedModels: ['claude-sonnet-4-5*', 'claude-sonnet'], approvalScope: 'org' });
          expect(a.evidence.samples?.length).toBe(1);
          expect(JSON.stringify(a.evidence.samples)).toContain(OPUS);
        },
      },
      {
        entity: 'routing:team-platform-eng:coding:claude-haiku-4-5-20251001',
        team: 'team-platform-eng',
        identity: 'alice@example.com',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ reasons: ['unapproved', 'fallback'], fallbackFrom: ['claude-sonnet-4-5'], fallbackRequests: 1, gateways: ['kong'] });
          expect(a.summary).toMatch(/silent fallback/);
        },
      },
      {
        entity: 'routing:team-web:review:gpt-5-codex',
        team: 'team-web',
        identity: 'dave.kim@example.com',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({
            reasons: ['divergent'], orgModel: SONNET, providers: ['openai'],
            classModelsByTeam: ['team-data: ' + SONNET, 'team-platform-eng: ' + SONNET, 'team-web: gpt-5-codex'],
          });
          expect(a.windowStart).toBe(at('00:00:00.000'));
        },
      },
    ],
  },
  {
    name: 'fires on a fallback between approved models, and names the requester of unattributed traffic',
    records: {
      gateway: [
        ...approved,
        kong('14:10', 'erin', 'claude-opus-4-1', SONNET),
        litellmRequest(at('14:50'), 'alice', T, {
          api_key: 'f'.repeat(64), user: 'ghost@example.com', team_id: null, model: 'gpt-4o', model_group: 'gpt-4o', request_tags: [],
          metadata: { user_api_key_alias: 'ghost-key', user_api_key_user_id: 'ghost@example.com', user_api_key_team_id: null, user_api_key_team_alias: null, user_api_key_request_route: '/v1/chat/completions' },
        }),
      ],
    },
    window: HOUR,
    expect: [
      { entity: `routing:team-ml:coding:${SONNET}`, team: 'team-ml', identity: 'erin.walsh@example.com', check: (a) => expect(a.evidence.figures['reasons']).toEqual(['fallback']) },
      { entity: 'routing:unattributed:chat:gpt-4o', team: '', identity: 'ghost@example.com', check: (a) => expect(a.evidence.figures['reasons']).toEqual(['unapproved']) },
    ],
  },
  {
    name: 'quiet for approved, consistent traffic, dated ids of the requested model, overrides, and unclassified requests',
    records: {
      gateway: [
        ...approved,
        // No task class matches (no tag, route, key alias or user-agent rule): nothing to compare with.
        litellm('14:30', 'carol', 'gpt-4o', 'gpt-4o', ['batch'], { metadata: { user_api_key_alias: 'carol-notebook' } }),
        // Outside the window.
        litellm('15:00', 'carol', OPUS, 'claude-opus-4-1', ['claude-code']),
      ],
    },
    window: HOUR,
    expect: 'none',
  },
  {
    name: 'quiet when the policy records the team\'s review model as an override and the routing alias is ignored',
    records: { gateway: [...approved, webReviewBot, litellm('14:25', 'alice', SONNET, 'default', ['claude-code'])] },
    window: HOUR,
    params: { ignoredAliases: ['default'] },
    policy: (p) => ({
      ...p,
      taskClasses: p.taskClasses.map((c) => (c.id === 'review' ? { ...c, teamOverrides: [...c.teamOverrides, { team: 'team-web', models: ['gpt-5-codex'] }] } : c)),
    }),
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): the size's busiest hour of coding agents on the approved Sonnet,
 * alice's (team-platform-eng) and carol's (team-data) in turn; the planted incident is one of
 * carol's requests served by a model only team-ml may use.
 */
detectorCases(detector, sizeMatrix((size) => {
  const coding = busyHour(size).map(({ time }, i) => litellmRequest(time, i % 2 === 0 ? 'alice' : 'carol', T, { model: SONNET, model_group: 'claude-sonnet', request_tags: ['claude-code'] }));
  return [
    {
      name: 'fires on one request served by an unapproved model',
      records: { gateway: [...coding, litellm('14:50', 'carol', OPUS, 'claude-opus-4-1', ['claude-code'])] },
      window: SIZE_WINDOW,
      expect: [{ entity: `routing:team-data:coding:${OPUS}`, team: 'team-data', check: (a) => expect(a.evidence.figures).toMatchObject({ reasons: ['unapproved'], requests: 1 }) }],
    },
    { name: 'quiet when every team codes on the approved model', records: { gateway: coding }, window: SIZE_WINDOW, expect: 'none' },
  ];
}));
