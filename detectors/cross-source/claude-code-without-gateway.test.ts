import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { at, claudeCodeReportPage, kongAiLog, litellmSpendLog } from '../_shared/fixtures.ts';
import { sizeMatrix } from '../_shared/fixtures-sizes.ts';
import detector from './claude-code-without-gateway.ts';

const DAY = { from: at('00:00'), to: at('00:00', 1) };
const SONNET = { model: 'claude-sonnet-4-5-20250929', input: 40_000, output: 9_000, cents: 186 };
const HAIKU = { model: 'claude-3-5-haiku-20241022', input: 20_000, output: 5_000, cents: 42 };

/** A LiteLLM request logged for `email` (its key's user), at `time` on the fixture day unless moved. */
function litellmBy(email: string, time: string) {
  return litellmSpendLog(time, { user: email, metadata: { user_api_key_user_id: email } });
}

/** A LiteLLM request on dave's service key (policy gatewayKeys), with no e-mail in the log. */
function daveKeyRequest(time: string) {
  return litellmSpendLog(time, {
    user: '',
    api_key: '5e8a1d4c7b0f3e6a9d2c5b8e1f4a7d0c3b6e9a2d5c8f1b4e7a0d3c6f9b2e5a8d',
    metadata: { user_api_key_user_id: '', user_api_key_alias: 'web-review-bot', user_api_key: '5e8a1d4c…5a8d' },
  });
}

detectorCases(detector, [
  {
    name: 'fires on people in the Claude Code report with no gateway request that day, with their team, tokens and estimated cost',
    records: {
      billing: [claudeCodeReportPage(at('00:00'), [
        { email: 'alice@example.com', models: [SONNET, HAIKU], sessions: 15 },
        { email: 'carol.nguyen@example.com', models: [HAIKU] },
        { email: 'dana.lee@example.com', models: [SONNET] },
      ])],
      gateway: [
        // dana works through the gateway that day; carol only did the day before.
        litellmBy('dana.lee@example.com', at('10:15')),
        litellmBy('carol.nguyen@example.com', at('16:00', -1)),
      ],
    },
    window: DAY,
    expect: [
      {
        entity: 'person:alice@example.com',
        team: 'team-platform-eng',
        identity: 'alice@example.com',
        credential: '',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({
            day: '2026-10-20', tokens: 74_000, estimatedCostUsd: 2.28, sessions: 15, gatewayRequests: 0,
            models: ['claude-3-5-haiku-20241022', 'claude-sonnet-4-5-20250929'], customerTypes: ['api'],
          });
          expect(a.impactUsd).toBeCloseTo(2.28, 4);
          expect(a.windowStart).toBe(at('00:00:00.000'));
          expect(a.windowEnd).toBe(at('00:00:00.000', 1));
          expect(a.evidence.samples?.length).toBe(1);
          expect(JSON.stringify(a.evidence.samples)).toContain('alice@example.com');
          expect(a.summary).toMatch(/no gateway request/);
        },
      },
      { entity: 'person:carol.nguyen@example.com', team: 'team-data', identity: 'carol.nguyen@example.com' },
    ],
  },
  {
    name: 'quiet for people the gateway saw that day (by e-mail, Kong consumer or a key the policy says they own), API actors, and other days',
    records: {
      billing: [
        claudeCodeReportPage(at('00:00'), [
          { email: 'alice@example.com', models: [SONNET] },
          { email: 'erin.walsh@example.com', models: [HAIKU] },
          { email: 'dave.kim@example.com', models: [HAIKU] },
          // An API actor is named by its key, not a person: unmanaged-key detectors own it.
          { email: '', models: [SONNET], overrides: { actor: { type: 'api_actor', api_key_name: 'ci-claude-code-runner', email_address: null } } },
        ]),
        // The day after the window: another window's business.
        claudeCodeReportPage(at('00:00', 1), [{ email: 'frank.ortiz@example.com', models: [SONNET] }]),
      ],
      gateway: [
        litellmBy('alice@example.com', at('23:59:30')),
        kongAiLog(at('08:00'), { consumer: { username: 'erin.walsh@example.com', custom_id: 'team-ml' } }),
        daveKeyRequest(at('12:00')),
      ],
    },
    window: DAY,
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): the size's people in the day's Claude Code report, their day's spend
 * shared out (a cent at least), each with a gateway request that day; the planted incident is alice
 * in the report without one.
 */
detectorCases(detector, sizeMatrix((size) => {
  const cents = Math.max(1, Math.round((size.dailyUsd * 100) / size.people));
  const others = Array.from({ length: size.people - 1 }, (_, i) => `dev-${String(i).padStart(4, '0')}@example.com`);
  const report = claudeCodeReportPage(at('00:00'), ['alice@example.com', ...others].map((email) => ({ email, models: [{ ...HAIKU, cents }] })));
  const gateway = others.map((email, i) => litellmBy(email, new Date(Date.parse(at('09:00')) + i * 5_000).toISOString()));
  return [
    {
      name: 'fires on one person in the report with no gateway request that day',
      records: { billing: [report], gateway },
      window: DAY,
      expect: [{ entity: 'person:alice@example.com', team: 'team-platform-eng', check: (a) => expect(a.evidence.figures).toMatchObject({ estimatedCostUsd: cents / 100, gatewayRequests: 0 }) }],
    },
    { name: 'quiet when everyone in the report went through the gateway', records: { billing: [report], gateway: [...gateway, litellmBy('alice@example.com', at('14:00'))] }, window: DAY, expect: 'none' },
  ];
}));
