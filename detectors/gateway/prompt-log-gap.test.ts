import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { utcDay } from '../../src/detect/windows.ts';
import { anthropicUsagePage, at, bedrockInvocation, oktaEvent } from '../_shared/fixtures.ts';
import { PEOPLE, apiRequestBy, every, kongBy, litellmBy, minutesAgo, storeClockNow, type Person } from '../_shared/fixtures-logging.ts';
import { MORNING_HOURS, SIZE_WINDOW, sizeMatrix, spreadOverHour, type OrgSize } from '../_shared/fixtures-sizes.ts';
import detector from './prompt-log-gap.ts';

/**
 * The late team's ten requests, a minute apart and 190-200 minutes before now: never across a UTC
 * midnight, so they fall in one daily window whatever the hour the suite runs at.
 */
const LATE_START = ((now) => {
  const start = now - 190 * 60_000;
  const midnight = Math.floor((start + 9 * 60_000) / 86_400_000) * 86_400_000;
  return new Date(midnight > start ? start - 10 * 60_000 : start).toISOString();
})(storeClockNow());

/** The late-logs case's window: the four hours before now on the store's clock; its alert is dated by the window's start. */
const LATE_WINDOW_TO = storeClockNow();

const HOUR = { from: at('14:00'), to: at('15:00') };
const { alice, carol, dave, erin } = PEOPLE;
const GATEWAY_KEY = { api_key_id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT', workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', account_id: null };
const CAROL_SSO_ARN = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0a1b2c3d/carol.nguyen@example.com';

/** `perDay` logged gateway requests in the 14:00 hour on each of the `days` previous days. */
function baseline(p: Person, perDay: number, days = 7, via: typeof litellmBy = litellmBy) {
  return Array.from({ length: days }, (_, d) => every(at('14:05', -(d + 1)), perDay, 240).map((t) => via(p, t, { logged: true }))).flat();
}

function agentWork(p: Person, count: number, start = '14:10') {
  const session = crypto.randomUUID();
  return every(at(start), count, 300).map((t) => apiRequestBy(p, t, session));
}

detectorCases(detector, [
  {
    name: 'fires on a team whose gateway stores no prompts, not on a team at the threshold or with too few unlogged requests to tell',
    records: {
      gateway: [
        ...every(at('14:00:30'), 25, 120).map((t) => litellmBy(carol, t)),
        // alice: 2 of 40 unlogged = 5%, not above the 5% threshold.
        ...every(at('14:01'), 20, 150).map((t) => litellmBy(alice, t, { logged: true })),
        ...every(at('14:02'), 18, 150).map((t) => kongBy(alice, t, { logged: true })),
        ...every(at('14:03'), 2, 600).map((t) => kongBy(alice, t)),
        // erin: 1 of 11 unlogged (9%) is above the share but no evidence of a gap (binomial p ≈ 0.43); the thin hour is
        // judged on the day so far, which is the same 11.
        ...every(at('14:04'), 10, 300).map((t) => kongBy(erin, t, { logged: true })),
        kongBy(erin, at('14:55')),
      ],
      agent: [...agentWork(carol, 6), ...agentWork(alice, 3)],
      billing: [anthropicUsagePage(HOUR.from, [GATEWAY_KEY])],
      idp: [oktaEvent(at('13:58:02'))],
    },
    window: HOUR,
    expect: [
      {
        entity: 'team-data:unlogged-prompts',
        team: 'team-data',
        identity: 'carol.nguyen@example.com',
        credential: 'carol-claude-code',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ requests: 25, unloggedRequests: 25, unloggedShare: 1, unloggedResponses: 25, gateways: ['litellm'], unloggedKeys: ['carol-claude-code'] });
          expect(a.windowStart).toBe(at('00:00:00.000'));
          expect(a.evidence.samples?.length).toBe(3);
          expect(a.summary).toMatch(/25 of 25 gateway requests \(100%\)/);
        },
      },
    ],
  },
  {
    name: 'fires on teams whose gateway volume collapsed while agent telemetry or billing shows them working',
    records: {
      gateway: [
        ...baseline(erin, 12, 7, kongBy),
        kongBy(erin, at('14:20'), { logged: true }),
        // carol: five normal days, two quiet ones (zeros in the median), nothing today.
        ...baseline(carol, 12, 5),
        // dave: stopped too, but nothing shows the team working.
        ...baseline(dave, 12),
        // alice: business as usual.
        ...baseline(alice, 12),
        ...every(at('14:05'), 12, 240).map((t) => litellmBy(alice, t, { logged: true })),
      ],
      agent: [...agentWork(erin, 6), ...agentWork(alice, 6)],
      // carol's SSO role calls Bedrock directly: billing shows team-data working.
      billing: [bedrockInvocation(at('14:20'), { identity: { arn: CAROL_SSO_ARN } })],
      idp: [oktaEvent(at('13:58:02'))],
    },
    window: HOUR,
    expect: [
      {
        entity: 'team-ml:stopped-logging',
        team: 'team-ml',
        identity: 'erin.walsh@example.com',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ requests: 1, expectedRequests: 12, agentRequests: 6, agentSessions: 1, billingTokens: 0 });
          expect(a.evidence.figures['baselineDailyRequests']).toEqual([12, 12, 12, 12, 12, 12, 12]);
          expect(a.summary).toMatch(/median of 12 .* 6 model request\(s\) in 1 session/);
        },
      },
      {
        entity: 'team-data:stopped-logging',
        team: 'team-data',
        identity: 'carol.nguyen@example.com',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ requests: 0, expectedRequests: 12, agentRequests: 0, billingTokens: 390 + 45_100 + 2_400 + 320, billingProviders: ['bedrock'] });
          expect(JSON.stringify(a.evidence.samples)).toContain('carol.nguyen@example.com');
        },
      },
    ],
  },
  {
    name: 'fires on a team whose gateway logs arrive hours late while another team\'s arrive on time',
    // Ingest delay is measured against the wall clock, so this case lives in the last four hours.
    records: {
      gateway: [
        ...every(LATE_START, 10, 60).map((t) => litellmBy(carol, t, { logged: true })),
        ...every(minutesAgo(12), 10, 60).map((t) => litellmBy(alice, t, { logged: true })),
      ],
      agent: [apiRequestBy(alice, minutesAgo(10))],
      idp: [oktaEvent(minutesAgo(30))],
    },
    // Both ends from one instant: the window of a batch detector must last whole seconds (src/detect/run.ts, windowGrid).
    window: { from: new Date(LATE_WINDOW_TO - 240 * 60_000).toISOString(), to: new Date(LATE_WINDOW_TO).toISOString() },
    expect: [
      {
        entity: 'team-data:late-logs',
        team: 'team-data',
        identity: 'carol.nguyen@example.com',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ requests: 10, lateRequests: 10, limitMinutes: 60 });
          expect(Number(a.evidence.figures['maxDelayMinutes'])).toBeGreaterThanOrEqual(180);
          expect(Number(a.evidence.figures['pipelineDelayMinutes'])).toBeLessThan(15);
          expect(a.windowStart).toBe(utcDay(new Date(LATE_WINDOW_TO - 240 * 60_000)).windowStart.toISOString());
          expect(a.evidence.samples?.length).toBe(3);
        },
      },
    ],
  },
  {
    name: 'quiet for logged traffic at its usual volume, MCP tool calls, a drop with no sign of work, thin baselines, and a replay of old logs',
    // Everything here is ingested a day after it happened, every team alike: a replay, not a late team.
    records: {
      gateway: [
        ...baseline(erin, 12, 7, kongBy),
        ...every(at('14:05'), 12, 240).map((t) => kongBy(erin, t, { logged: true })),
        // dave stopped, but no telemetry or billing shows team-web working.
        ...baseline(dave, 12),
        // alice: only two days of history (median 0), and five requests today, one unlogged: 20% of a thin day is no
        // evidence of a gap (binomial p ≈ 0.23 at 5%).
        ...baseline(alice, 30, 2),
        ...every(at('14:05'), 4, 240).map((t) => litellmBy(alice, t, { logged: true })),
        litellmBy(alice, at('14:30')),
        ...every(at('14:06'), 25, 120).map((t) => litellmBy(carol, t, { logged: true })),
        // carol's approved MCP server through LiteLLM's MCP gateway: tool calls have no prompt to store.
        ...every(at('14:07'), 6, 300).map((t) => litellmBy(carol, t, { mcp: { server: 'snowflake', tool: 'run_query' } })),
      ],
      agent: [...agentWork(erin, 6), ...agentWork(alice, 6), ...agentWork(carol, 6)],
      billing: [anthropicUsagePage(HOUR.from, [GATEWAY_KEY])],
    },
    window: HOUR,
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): team-data's working morning at each size (fixtures-sizes.ts). The
 * planted incident is the issue's: the gateway stores no prompt for 88 % of the team's requests — at
 * the 5-person size 45 of 51, an hour never above 12, so it is judged on the day so far; at the larger
 * sizes the hour alone decides. Quiet traffic logs every prompt but about 3 %.
 */
function morning(size: OrgSize, unloggedShare: number) {
  return MORNING_HOURS.flatMap((hour, i) => {
    const n = size.hourlyRequests[i] ?? 0;
    const unlogged = Math.round(n * unloggedShare);
    return spreadOverHour(hour, n).map((t, j) => litellmBy(carol, t, { logged: j >= unlogged }));
  });
}

detectorCases(detector, sizeMatrix((size) => [
  {
    name: 'fires when 88 % of the team\'s requests are stored without the prompt',
    records: { gateway: morning(size, 0.88) },
    window: SIZE_WINDOW,
    expect: [{
      entity: 'team-data:unlogged-prompts',
      team: 'team-data',
      check: (a) => {
        const thin = (size.hourlyRequests.at(-1) ?? 0) < 20;
        const day = size.hourlyRequests.reduce((x, y) => x + y, 0);
        expect(a.evidence.figures['judgedOver']).toBe(thin ? 'day so far' : 'hour');
        if (size.people === 5) expect(a.evidence.figures).toMatchObject({ modelRequests: 51, unloggedRequests: 45 });
        expect(Number(a.evidence.figures['modelRequests'])).toBe(thin ? day : size.hourlyRequests.at(-1));
        expect(Number(a.evidence.figures['pValue'])).toBeLessThan(1e-6);
      },
    }],
  },
  {
    name: 'quiet when about 3 % of the requests are unlogged',
    records: { gateway: morning(size, 0.03) },
    window: SIZE_WINDOW,
    expect: 'none',
  },
]));

/**
 * The size matrix for stopped-logging: the team's 14:00 hour on each of the previous 7 days at the
 * size's volume (8, 80, 800 requests), and telemetry showing it at work today; the planted incident
 * is an hour with no gateway request at all. The 5-person team's baseline of 8 (below the old floor
 * of 10) is judged by the Poisson tail: e^-8 ≈ 3·10^-4.
 */
function pastHours(size: OrgSize) {
  const n = size.hourlyRequests.at(-1) ?? 0;
  return Array.from({ length: 7 }, (_, d) => spreadOverHour('14:00', n).map((t) => litellmBy(carol, new Date(Date.parse(t) - (d + 1) * 86_400_000).toISOString(), { logged: true }))).flat();
}

detectorCases(detector, sizeMatrix((size) => [
  {
    name: 'fires when the team\'s gateway hour is empty while it works',
    records: { gateway: pastHours(size), agent: agentWork(carol, 6) },
    window: SIZE_WINDOW,
    expect: [{
      entity: 'team-data:stopped-logging',
      team: 'team-data',
      check: (a) => {
        expect(a.evidence.figures).toMatchObject({ requests: 0, expectedRequests: size.hourlyRequests.at(-1) });
        expect(Number(a.evidence.figures['collapsePValue'])).toBeLessThan(0.001);
      },
    }],
  },
  {
    name: 'quiet when the team\'s hour is as busy as on other days',
    records: { gateway: [...pastHours(size), ...spreadOverHour('14:00', size.hourlyRequests.at(-1) ?? 0).map((t) => litellmBy(carol, t, { logged: true }))], agent: agentWork(carol, 6) },
    window: SIZE_WINDOW,
    expect: 'none',
  },
]));
