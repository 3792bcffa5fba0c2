import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { at, claudeCodeEvent, kongAiLog, oktaEvent } from '../_shared/fixtures.ts';
import { entraUserSignIn, litellmKeyRequest, type GatewayKey } from '../_shared/fixtures-identity.ts';
import { busyHour, sizeMatrix } from '../_shared/fixtures-sizes.ts';
import detector from './identity-switch.ts';

// A scheduled run: the hour ending 15:00 with the detector's 2 h lookback.
const RUN = { from: at('13:00'), to: at('15:00') };

const ALICE = { 'user.email': 'alice@example.com', 'user.account_id': 'user_01WCz1FkmYMm4gnmykNKUu3Q', 'team.id': 'platform' };
const CAROL = { 'user.email': 'carol.nguyen@example.com', 'user.account_id': 'user_01Crl7Qm2Xv9Lp4Tn8Bz3Wk', 'team.id': 'data' };
const ERIN = { 'user.email': 'erin.walsh@example.com', 'user.account_id': 'user_01ErN5Kd8Wq2Zt6Ym1Hc4Vp', 'team.id': 'ml' };

// Keys as the policy lists them (policy.example.yaml gatewayKeys).
const ALICE_KEY: GatewayKey = { hash: '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b', alias: 'alice-claude-code', user: 'alice@example.com', team: 'team-platform-eng' };
// The gateway does not stamp a user on carol's key: only the policy names its owner.
const CAROL_KEY: GatewayKey = { hash: '3b1f6c0a9d2e4f5a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a', alias: 'carol-claude-code', user: null, team: 'team-data' };
// A second key alice minted herself; the policy does not know it.
const ALICE_SPARE: GatewayKey = { hash: 'a11ce5a7e0b6c4d2e8f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d1e3f5a7b9c0d2', alias: 'alice-spare', user: 'alice@example.com', team: 'team-platform-eng' };
const ERIN_KONG = '7d0e2a41-5c3b-4e8f-9a16-2b7c4d9e0f13';

const TELEMETRY_SWITCH = '4a7e1c93-2b5d-4f08-9c61-e3d2b7a8f015';
const KEY_SWAP = '6d2f8b40-7c1e-4a95-b3d6-0f9e8c7a5b21';
const BORROWED_KEY = '8e5c3a17-9d4b-4c62-a0f7-1b2e3d4c5f68';
const SPARE_KEY = 'b7a1d5e2-3c4f-4e6a-8b9c-0d1e2f3a4b5c';
const CLEAN = 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f';

function telemetry(session: string, t: string, identity: Record<string, string | null>) {
  return claudeCodeEvent(at(t), { 'session.id': session, 'user.account_uuid': null, ...identity });
}

function viaKong(t: string, session: string, consumer: { id: string; username: string; custom_id: string }, credentialId: string) {
  return kongAiLog(at(t), { request: { headers: { 'x-claude-code-session-id': session } }, consumer, authenticated_entity: { id: credentialId } });
}

/** A clean session: alice in telemetry (sometimes only her install id), her own key at the gateway. */
const clean = {
  agent: [
    telemetry(CLEAN, '13:10', ALICE),
    telemetry(CLEAN, '14:05', { 'user.email': null, 'user.account_id': null }),
    telemetry(CLEAN, '14:10', { 'user.email': null, 'user.account_id': ALICE['user.account_id'] }),
  ],
  gateway: [
    litellmKeyRequest(at('14:00:30'), ALICE_KEY, { session_id: CLEAN }),
    viaKong('14:11', CLEAN, { id: 'ae974d6c-0f8a-4dc5-b701-fa0aa38592bd', username: 'alice@example.com', custom_id: 'team-platform-eng' }, 'c62c1455-9b1d-4f2d-8797-509ba83b8ae8'),
  ],
};

detectorCases(detector, [
  {
    name: 'fires on sessions that change person in telemetry, at the gateway, and between the two',
    records: {
      agent: [
        ...clean.agent,
        // Alice starts; in the next run's hour the same session reports carol's login (resumed on her machine).
        telemetry(TELEMETRY_SWITCH, '13:50', ALICE),
        telemetry(TELEMETRY_SWITCH, '14:05', ALICE),
        telemetry(TELEMETRY_SWITCH, '14:10', CAROL),
        // Erin's telemetry, but the requests go out on carol's key.
        telemetry(BORROWED_KEY, '13:30', ERIN),
      ],
      gateway: [
        ...clean.gateway,
        // No telemetry: alice's key, then erin's Kong credential on the same session.
        litellmKeyRequest(at('13:20'), ALICE_KEY, { session_id: KEY_SWAP }),
        litellmKeyRequest(at('13:21'), ALICE_KEY, { session_id: KEY_SWAP }),
        viaKong('14:40', KEY_SWAP, { id: 'b1d2c3e4-5f60-4a7b-8c9d-0e1f2a3b4c5d', username: 'erin.walsh@example.com', custom_id: 'team-ml' }, ERIN_KONG),
        litellmKeyRequest(at('14:00:05'), CAROL_KEY, { session_id: BORROWED_KEY }),
        // One person, two keys in one session.
        litellmKeyRequest(at('13:05'), ALICE_KEY, { session_id: SPARE_KEY }),
        litellmKeyRequest(at('14:30'), ALICE_SPARE, { session_id: SPARE_KEY }),
      ],
      idp: [oktaEvent(at('08:55')), entraUserSignIn(at('13:59'), 'carol.nguyen@example.com')],
    },
    window: RUN,
    expect: [
      {
        entity: `session:${TELEMETRY_SWITCH}`,
        team: 'team-platform-eng',
        identity: 'alice@example.com',
        credential: ALICE['user.account_id'],
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({
            humans: ['alice@example.com', 'carol.nguyen@example.com'],
            humanCount: 2,
            claudeAccounts: 2,
            gatewayKeys: 0,
            events: 3,
            sources: ['agent'],
          });
          const timeline = a.evidence.figures['timeline'] as string[];
          expect(timeline).toHaveLength(2);
          expect(timeline[0]).toMatch(/agent alice@example\.com via user_01WCz1FkmYMm4gnmykNKUu3Q x2$/);
          expect(timeline[1]).toMatch(/agent carol\.nguyen@example\.com via user_01Crl7Qm2Xv9Lp4Tn8Bz3Wk x1$/);
          expect(a.windowStart).toBe(at('00:00:00.000'));
          expect(a.evidence.samples).toHaveLength(2);
          expect(a.summary).toMatch(/first alice@example\.com, then carol\.nguyen@example\.com/);
        },
      },
      {
        entity: `session:${KEY_SWAP}`,
        team: 'team-platform-eng',
        identity: 'alice@example.com',
        credential: 'alice-claude-code',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({
            humans: ['alice@example.com', 'erin.walsh@example.com'],
            gatewayKeys: 2,
            claudeAccounts: 0,
            events: 3,
            credentials: ['alice-claude-code', 'erin.walsh@example.com'],
            sources: ['kong', 'litellm'],
          });
          expect(JSON.stringify(a.evidence.samples)).toContain(ERIN_KONG);
        },
      },
      // The key's owner comes from the policy; the identity is whoever showed up first (erin's telemetry).
      {
        entity: `session:${BORROWED_KEY}`,
        team: 'team-ml',
        identity: 'erin.walsh@example.com',
        credential: ERIN['user.account_id'],
        check: (a) => expect(a.evidence.figures).toMatchObject({ humans: ['carol.nguyen@example.com', 'erin.walsh@example.com'], claudeAccounts: 1, gatewayKeys: 1 }),
      },
      {
        entity: `session:${SPARE_KEY}`,
        team: 'team-platform-eng',
        identity: 'alice@example.com',
        credential: 'alice-claude-code',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ humanCount: 1, gatewayKeys: 2, credentials: ['alice-claude-code', 'alice-spare'] });
          expect(a.summary).toMatch(/one person \(alice@example\.com\) on 2 gateway keys/);
        },
      },
    ],
  },
  {
    name: 'fires when a new person joins a long-running session, keeping the session-start day as incident window',
    records: {
      // Alice's session began the previous morning (before the lookback) and is still running today.
      agent: [claudeCodeEvent(at('10:00', -1), { 'session.id': TELEMETRY_SWITCH, ...ALICE }), telemetry(TELEMETRY_SWITCH, '14:40', ALICE)],
      gateway: [litellmKeyRequest(at('14:45'), CAROL_KEY, { session_id: TELEMETRY_SWITCH })],
    },
    window: RUN,
    expect: [
      {
        entity: `session:${TELEMETRY_SWITCH}`,
        identity: 'alice@example.com',
        team: 'team-platform-eng',
        check: (a) => expect(a.windowStart).toBe(at('00:00:00.000', -1)),
      },
    ],
  },
  {
    name: 'quiet when every session shows one person on one credential per source',
    records: {
      ...clean,
      agent: [...clean.agent, telemetry(BORROWED_KEY, '13:00', ERIN), telemetry(TELEMETRY_SWITCH, '14:30', CAROL)],
      gateway: [...clean.gateway, viaKong('14:00:10', BORROWED_KEY, { id: 'b1d2c3e4-5f60-4a7b-8c9d-0e1f2a3b4c5d', username: 'erin.walsh@example.com', custom_id: 'team-ml' }, ERIN_KONG)],
      idp: [oktaEvent(at('08:55'))],
    },
    window: RUN,
    expect: 'none',
  },
  {
    name: 'quiet when the other person is outside the lookback, or one person\'s two keys stay under minCredentials',
    records: {
      agent: [telemetry(TELEMETRY_SWITCH, '14:50', ALICE), telemetry(TELEMETRY_SWITCH, '12:59', CAROL)],
      gateway: [
        litellmKeyRequest(at('15:00'), ALICE_KEY, { session_id: KEY_SWAP }),
        viaKong('14:40', KEY_SWAP, { id: 'b1d2c3e4-5f60-4a7b-8c9d-0e1f2a3b4c5d', username: 'erin.walsh@example.com', custom_id: 'team-ml' }, ERIN_KONG),
        litellmKeyRequest(at('13:05'), ALICE_KEY, { session_id: SPARE_KEY }),
        litellmKeyRequest(at('14:30'), ALICE_SPARE, { session_id: SPARE_KEY }),
      ],
    },
    window: RUN,
    params: { minCredentials: 3 },
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): the size's busiest hour of sessions, each alice's telemetry and a
 * request on her own key; the planted incident is one session resumed under carol's login.
 */
detectorCases(detector, sizeMatrix((size) => {
  const hour = busyHour(size);
  const work = {
    agent: hour.map(({ time, session }) => claudeCodeEvent(time, { 'session.id': session, 'user.account_uuid': null, ...ALICE })),
    gateway: hour.map(({ time, session }) => litellmKeyRequest(time, ALICE_KEY, { session_id: session })),
  };
  const switched = crypto.randomUUID();
  return [
    {
      name: 'fires on one session that changes person',
      records: { ...work, agent: [...work.agent, telemetry(switched, '14:40', ALICE), telemetry(switched, '14:45', CAROL)] },
      window: RUN,
      expect: [{ entity: `session:${switched}`, identity: 'alice@example.com', team: 'team-platform-eng' }],
    },
    { name: 'quiet when every session shows one person on one key', records: work, window: RUN, expect: 'none' },
  ];
}));
