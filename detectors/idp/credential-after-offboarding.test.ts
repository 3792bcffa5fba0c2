import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import type { Policy } from '../../schemas/policy/policy.ts';
import { at, bedrockInvocation, claudeCodeEvent, kongAiLog, oktaEvent } from '../_shared/fixtures.ts';
import { entraAccountDisabled, entraUserSignIn, litellmKeyRequest, oktaLifecycle, type GatewayKey } from '../_shared/fixtures-identity.ts';
import { sizeMatrix, type OrgSize } from '../_shared/fixtures-sizes.ts';
import detector from './credential-after-offboarding.ts';

const WINDOW = { from: at('16:00'), to: at('18:00') };

// Bob left: the IdP deactivates him at 16:41:27.503 (the sample's time of day). His gateway key lives on.
const BOB_KEY: GatewayKey = { hash: 'b0b0a1c2d3e4f5061728394a5b6c7d8e9f00112233445566778899aabbccddee', alias: 'bob-claude-code', user: null, team: 'team-platform-eng' };
const DAVE_KEY: GatewayKey = { hash: '5e8a1d4c7b0f3e6a9d2c5b8e1f4a7d0c3b6e9a2d5c8f1b4e7a0d3c6f9b2e5a8d', alias: 'web-review-bot', user: 'dave.kim@example.com', team: 'team-web' };
const ALICE_KEY: GatewayKey = { hash: '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b', alias: 'alice-claude-code', user: 'alice@example.com', team: 'team-platform-eng' };
const CAROL_KEY: GatewayKey = { hash: '3b1f6c0a9d2e4f5a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a', alias: 'carol-claude-code', user: 'carol.nguyen@example.com', team: 'team-data' };
const BOB_ARN = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0a1b2c3d/bob.martin@example.com';

/** The policy as it stood: bob's key was never revoked in it. */
const withBobsKey = (p: Policy): Policy => ({
  ...p,
  gatewayKeys: [...p.gatewayKeys, { gateway: 'litellm-prod', keyHash: BOB_KEY.hash, keyAlias: BOB_KEY.alias, owner: 'bob.martin@example.com', team: 'team-platform-eng' }],
});

function kongBy(t: string, email: string, credentialId: string, team: string) {
  return kongAiLog(at(t), { consumer: { id: crypto.randomUUID(), username: email, custom_id: team }, authenticated_entity: { id: credentialId } });
}

const BOB_DEACTIVATED = oktaLifecycle(at('16:41:27.503'), 'user.lifecycle.deactivate', 'Bob.Martin@Example.com');

detectorCases(detector, [
  {
    name: 'fires on a leaver\'s key, telemetry and Bedrock use after Okta deactivation, and on users Entra refuses as disabled',
    records: {
      idp: [
        BOB_DEACTIVATED,
        // Frank: Entra refuses his refresh token as disabled; his Kong consumer still works.
        entraAccountDisabled(at('16:05'), 'Frank.Ortiz@example.com'),
        // Dave: deactivated in Okta; an Entra sign-in afterwards does not undo that.
        oktaLifecycle(at('16:15'), 'user.lifecycle.deactivate', 'dave.kim@example.com'),
        entraUserSignIn(at('16:20'), 'dave.kim@example.com'),
        // Carol: suspended, then unsuspended before she used the gateway.
        oktaLifecycle(at('16:10'), 'user.lifecycle.suspend', 'carol.nguyen@example.com'),
        oktaLifecycle(at('16:20'), 'user.lifecycle.unsuspend', 'carol.nguyen@example.com'),
        oktaEvent(at('16:02')),
      ],
      gateway: [
        litellmKeyRequest(at('16:30'), BOB_KEY), // before the deactivation
        litellmKeyRequest(at('16:42'), BOB_KEY), // in flight (within graceSeconds)
        litellmKeyRequest(at('16:50'), BOB_KEY),
        litellmKeyRequest(at('17:10'), BOB_KEY),
        kongBy('16:00', 'frank.ortiz@example.com', 'f4a1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b', 'team-ml'),
        kongBy('16:35', 'frank.ortiz@example.com', 'f4a1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b', 'team-ml'),
        litellmKeyRequest(at('16:40'), DAVE_KEY),
        litellmKeyRequest(at('16:30'), CAROL_KEY),
        litellmKeyRequest(at('16:31'), ALICE_KEY),
      ],
      agent: [claudeCodeEvent(at('17:05'), { 'user.email': 'bob.martin@example.com', 'user.account_id': 'user_01B0bM4rt1nQ2e0d7Xy9Zw', 'team.id': 'platform' })],
      billing: [bedrockInvocation(at('17:20'), { identity: { arn: BOB_ARN } }), bedrockInvocation(at('16:20'), { identity: { arn: BOB_ARN } })],
    },
    window: WINDOW,
    policy: withBobsKey,
    expect: [
      {
        entity: 'user:bob.martin@example.com',
        team: 'team-platform-eng',
        identity: 'bob.martin@example.com',
        credential: 'litellm:bob-claude-code',
        check: (a) => {
          expect(a.severity).toBe('critical');
          expect(a.evidence.figures).toMatchObject({
            deactivatedAt: `${at('16:41:27.503').slice(0, 10)} 16:41:27.503`,
            deactivationEvent: 'user.lifecycle.deactivate',
            deactivatedBy: 'it-admin@example.com',
            deactivationIdp: 'okta',
            gatewayRequests: 2,
            agentEvents: 1,
            providerUsage: 1,
            usageRecords: 4,
            minutesAfterDeactivation: 9,
            credentials: ['bedrock:' + BOB_ARN, 'claude:user_01B0bM4rt1nQ2e0d7Xy9Zw', 'litellm:bob-claude-code'],
            sources: ['agent', 'bedrock', 'gateway'],
          });
          expect(a.evidence.figures['tokens']).toBe(2 * 48_210 + 48_210 + (390 + 45_100 + 2_400 + 320));
          expect(a.impactUsd).toBeCloseTo(3 * 0.0421, 4);
          expect(a.windowStart).toBe(at('00:00:00.000'));
          // The deactivation first, then usage records.
          expect(a.evidence.samples).toHaveLength(5);
          expect(JSON.stringify(a.evidence.samples?.[0])).toContain('user.lifecycle.deactivate');
          expect(a.summary).toMatch(/disabled in okta \(user\.lifecycle\.deactivate by it-admin@example\.com\)/);
        },
      },
      {
        entity: 'user:frank.ortiz@example.com',
        team: 'team-ml',
        identity: 'frank.ortiz@example.com',
        credential: 'kong:frank.ortiz@example.com',
        check: (a) => expect(a.evidence.figures).toMatchObject({ deactivationIdp: 'entra', deactivationEvent: 'sign-in refused: 50057 account disabled', gatewayRequests: 1, minutesAfterDeactivation: 30 }),
      },
      {
        entity: 'user:dave.kim@example.com',
        team: 'team-web',
        identity: 'dave.kim@example.com',
        credential: 'litellm:web-review-bot',
        check: (a) => expect(a.evidence.figures).toMatchObject({ deactivationIdp: 'okta', gatewayRequests: 1 }),
      },
    ],
  },
  {
    name: 'fires on usage weeks after the deactivation, and after a lock',
    records: {
      idp: [
        oktaLifecycle(at('16:41:27.503', -20), 'user.lifecycle.deactivate', 'bob.martin@example.com'),
        oktaLifecycle(at('09:00', -2), 'user.account.lock', 'erin.walsh@example.com'),
      ],
      gateway: [litellmKeyRequest(at('17:30'), BOB_KEY), kongBy('16:10', 'erin.walsh@example.com', '7d0e2a41-5c3b-4e8f-9a16-2b7c4d9e0f13', 'team-ml')],
    },
    window: WINDOW,
    policy: withBobsKey,
    expect: [
      { entity: 'user:bob.martin@example.com', check: (a) => expect(a.evidence.figures['minutesAfterDeactivation']).toBe(20 * 1440 + 49) },
      { entity: 'user:erin.walsh@example.com', team: 'team-ml', credential: 'kong:erin.walsh@example.com', check: (a) => expect(a.evidence.figures['deactivationEvent']).toBe('user.account.lock') },
    ],
  },
  {
    name: 'quiet for usage before or in flight at the deactivation, after a lifted suspension or re-enabled account, or a failed or stale deactivation',
    records: {
      idp: [
        BOB_DEACTIVATED,
        oktaLifecycle(at('16:10'), 'user.lifecycle.suspend', 'carol.nguyen@example.com'),
        oktaLifecycle(at('16:20'), 'user.lifecycle.unsuspend', 'carol.nguyen@example.com'),
        entraAccountDisabled(at('16:00'), 'omar.haddad@example.com'),
        entraUserSignIn(at('16:20'), 'omar.haddad@example.com'),
        oktaLifecycle(at('16:05'), 'user.lifecycle.deactivate', 'dave.kim@example.com', { outcome: { result: 'FAILURE', reason: 'Insufficient permissions' } }),
        oktaLifecycle(at('12:00', -40), 'user.lifecycle.deactivate', 'erin.walsh@example.com'),
      ],
      gateway: [
        litellmKeyRequest(at('16:30'), BOB_KEY),
        litellmKeyRequest(at('16:42'), BOB_KEY),
        litellmKeyRequest(at('16:30'), CAROL_KEY),
        kongBy('16:30', 'omar.haddad@example.com', 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d', 'team-data'),
        litellmKeyRequest(at('16:40'), DAVE_KEY),
        kongBy('16:10', 'erin.walsh@example.com', '7d0e2a41-5c3b-4e8f-9a16-2b7c4d9e0f13', 'team-ml'),
      ],
      agent: [claudeCodeEvent(at('16:40:30'), { 'user.email': 'bob.martin@example.com' })],
    },
    window: WINDOW,
    policy: withBobsKey,
    params: { lookbackDays: 30 },
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): the size's colleagues keep working through the gateway (one request
 * per active session over the two hours); the planted incident is one request on the leaver's key
 * after Okta deactivated him, as plain among 400 sessions' requests as among 3.
 */
function colleagues(size: OrgSize) {
  const keys = [ALICE_KEY, CAROL_KEY, DAVE_KEY];
  return Array.from({ length: size.activeSessions }, (_, i) =>
    litellmKeyRequest(new Date(Date.parse(at('16:00')) + Math.floor((i * 7_200_000) / size.activeSessions)).toISOString(), keys[i % 3] as GatewayKey));
}

detectorCases(detector, sizeMatrix((size) => [
  {
    name: 'fires on one request on a leaver\'s key after deactivation',
    records: { idp: [BOB_DEACTIVATED], gateway: [...colleagues(size), litellmKeyRequest(at('17:10'), BOB_KEY)] },
    window: WINDOW,
    policy: withBobsKey,
    expect: [{ entity: 'user:bob.martin@example.com', identity: 'bob.martin@example.com' }],
  },
  { name: 'quiet when only current colleagues work', records: { idp: [BOB_DEACTIVATED], gateway: colleagues(size) }, window: WINDOW, policy: withBobsKey, expect: 'none' },
]));
