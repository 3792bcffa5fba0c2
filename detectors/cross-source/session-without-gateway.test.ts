import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { anthropicUsagePage, at, claudeCodeEvent, kongAiLog, litellmSpendLog, oktaEvent } from '../_shared/fixtures.ts';
import { sizeMatrix, type OrgSize } from '../_shared/fixtures-sizes.ts';
import detector from './session-without-gateway.ts';

const HOUR = { from: at('14:00'), to: at('15:00') };
const ALICE = { 'user.email': 'alice@example.com', 'user.account_id': 'user_01WCz1FkmYMm4gnmykNKUu3Q', 'team.id': 'platform' };

const BYPASS = '3c1d9e7a-5b2f-4c8e-9a61-7d0e4f2b8c13';
const VIA_LITELLM = 'e96634a3-fa28-4083-b354-55542e2dca01';
const VIA_KONG = '0b7e2c44-91d3-4f6a-8e25-c3a9d1f07b58';
const ANONYMOUS = '9f4a6b21-0c8d-4e73-b5a2-61e8d3c7f094';

/** api_request telemetry for a session, without identity unless given. */
function requests(session: string, times: string[], identity: Record<string, string> = {}) {
  return times.map((t, i) => claudeCodeEvent(at(t), { 'session.id': session, 'event.sequence': i + 1, 'user.email': null, 'user.account_id': null, 'user.account_uuid': null, 'organization.id': null, 'team.id': null, ...identity }));
}

detectorCases(detector, [
  {
    name: 'fires on sessions that no gateway saw, naming the person, the team and the direct provider usage',
    records: {
      agent: [
        ...requests(BYPASS, ['14:05', '14:20:30', '14:41'], ALICE),
        ...requests(VIA_LITELLM, ['14:30'], ALICE),
        ...requests(VIA_KONG, ['14:40'], { 'user.email': 'erin.walsh@example.com' }),
        // API-key auth: Claude Code only knows its install id; the OTel resource says team "ml".
        ...requests(ANONYMOUS, ['14:50'], { 'team.id': 'ml' }),
      ],
      gateway: [
        litellmSpendLog(at('14:29:55'), { session_id: VIA_LITELLM }),
        kongAiLog(at('14:39:58'), { request: { headers: { 'x-claude-code-session-id': VIA_KONG } } }),
      ],
      // Alice's Claude account shows usage at Anthropic that the gateway never saw.
      billing: [anthropicUsagePage(HOUR.from, [{ api_key_id: null, workspace_id: null, account_id: ALICE['user.account_id'] }])],
      idp: [oktaEvent(at('13:58:02'))],
    },
    window: HOUR,
    expect: [
      {
        entity: `session:${BYPASS}`,
        team: 'team-platform-eng',
        identity: 'alice@example.com',
        credential: ALICE['user.account_id'],
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ apiRequests: 3, gatewayRequests: 0, directProviders: ['anthropic'] });
          expect(Number(a.evidence.figures['directProviderTokens'])).toBeGreaterThan(0);
          expect(a.impactUsd).toBeCloseTo(3 * 0.0421, 4);
          expect(a.windowStart).toBe(at('00:00:00.000'));
          expect(a.evidence.samples?.length).toBe(3);
          expect(a.summary).toMatch(/booked directly/);
        },
      },
      { entity: `session:${ANONYMOUS}`, team: 'team-ml', identity: '' },
    ],
  },
  {
    name: 'fires when the only gateway request is beyond the tolerance, and keeps the session-start day as incident window',
    records: {
      // The session began late the previous evening and is still running.
      agent: [claudeCodeEvent(at('23:50', -1), { ...ALICE, 'session.id': BYPASS }), ...requests(BYPASS, ['14:58'], ALICE)],
      gateway: [litellmSpendLog(at('15:30'), { session_id: BYPASS })],
    },
    window: HOUR,
    expect: [{ entity: `session:${BYPASS}`, check: (a) => expect(a.windowStart).toBe(at('00:00:00.000', -1)) }],
  },
  {
    name: 'quiet when each session has gateway traffic, including just after the window within the tolerance',
    records: {
      agent: [...requests(VIA_LITELLM, ['14:58'], ALICE), ...requests(VIA_KONG, ['14:10'])],
      gateway: [
        litellmSpendLog(at('15:05'), { session_id: VIA_LITELLM }),
        kongAiLog(at('14:09:58'), { request: { headers: { 'x-claude-code-session-id': VIA_KONG } } }),
      ],
    },
    window: HOUR,
    expect: 'none',
  },
  {
    name: 'quiet for telemetry that is not a model request, has no session id, or lies outside the window',
    records: {
      agent: [
        claudeCodeEvent(at('14:15'), { 'event.name': 'tool_result', 'session.id': BYPASS, tool_name: 'Bash', success: 'true' }),
        claudeCodeEvent(at('14:16'), { 'session.id': '' }),
        ...requests(ANONYMOUS, ['13:59:59', '15:00']),
      ],
    },
    window: HOUR,
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): the size's sessions in the hour, each with three model requests in
 * telemetry and its requests at the gateway. The planted incident: one more session whose requests
 * never reach a gateway; it must stand out of a 400-session hour as it does out of a 3-session one.
 */
function busyHour(size: OrgSize) {
  const sessions = Array.from({ length: size.activeSessions }, () => crypto.randomUUID());
  return {
    agent: sessions.flatMap((s) => requests(s, ['14:05', '14:25', '14:45'], ALICE)),
    gateway: sessions.flatMap((s) => ['14:04:59', '14:24:59', '14:44:59'].map((t) => litellmSpendLog(at(t), { session_id: s }))),
  };
}

detectorCases(detector, sizeMatrix((size) => [
  {
    name: 'fires on the one session no gateway saw',
    records: ((h) => ({ ...h, agent: [...h.agent, ...requests(BYPASS, ['14:10', '14:30'], ALICE)] }))(busyHour(size)),
    window: HOUR,
    expect: [{ entity: `session:${BYPASS}`, team: 'team-platform-eng', identity: 'alice@example.com' }],
  },
  { name: 'quiet when every session went through the gateway', records: busyHour(size), window: HOUR, expect: 'none' },
]));
