import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { at, claudeCodeEvent, kongAiLog, oktaEvent } from '../_shared/fixtures.ts';
import { entraServicePrincipalSignIn, litellmKeyRequest, oktaServiceAppGrant, type GatewayKey } from '../_shared/fixtures-identity.ts';
import { busyHour, sizeMatrix } from '../_shared/fixtures-sizes.ts';
import detector from './ownerless-session.ts';

const HOUR = { from: at('14:00'), to: at('15:00') };

const ALICE_KEY: GatewayKey = { hash: '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b', alias: 'alice-claude-code', user: 'alice@example.com', team: 'team-platform-eng' };
// Keys the policy does not list, minted without a user.
const SHARED_KEY: GatewayKey = { hash: '5a4e3d2c1b0a99887766554433221100ffeeddccbbaa00112233445566778899', alias: 'ml-shared', user: null, team: 'team-ml' };
const BATCH_KEY: GatewayKey = { hash: '0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0', alias: 'nightly-batch', user: null, team: 'Data Eng' };
// In the policy (owner carol), though LiteLLM stamps no user on it.
const CAROL_KEY: GatewayKey = { hash: '3b1f6c0a9d2e4f5a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a', alias: 'carol-claude-code', user: null, team: 'team-data' };
// Not in the policy either, but LiteLLM knows its user.
const OMAR_KEY: GatewayKey = { hash: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d', alias: 'omar-notebook', user: 'omar.haddad@example.com', team: 'team-data' };

const CI_RUNNER_SP = '8c1d7d7e-4f3b-4e0c-9d5b-7a0f2e3c1b9a';
const REVIEW_BOT = { clientId: '0oa9svcreviewbot01d7', name: 'pr-review-bot', ip: '198.51.100.23' };
const ALICE_OKTA_ID = '00u1qw1mqitPHM8AJ0g7';

const OWNERLESS = '2e9c7b51-4a3d-4f86-b1e0-5c7d9a2f3b64';
const NO_AUTH = '71f3a8c2-6d4e-4b59-9e0a-2c5b8d1f4e37';
const KEYED = '5c8e1a3f-7b2d-4e69-a0c4-9f6d3b8e2a15';
const IDP_SUBJECT = 'a9d4f2e7-3c1b-4a86-b5e0-7d2c9f1a6b38';
const WITH_EMAIL = 'd3b6e9f1-2a4c-4d87-9b1e-6f8a0c3d5e72';
const WITH_ENDUSER = 'e8a2c5f7-1b3d-4e96-a0b4-3c7e9d2f6a81';

/** Claude Code on API-key auth: only its install id. */
const ANONYMOUS = { 'user.email': null, 'user.account_id': null, 'user.account_uuid': null, 'organization.id': null, 'team.id': null };

/** Claude Code on API-key auth, unless the identity is given. */
function telemetry(session: string, t: string, identity: Record<string, string | null> = {}, resource: Record<string, string> = {}) {
  return claudeCodeEvent(at(t), { 'session.id': session, ...ANONYMOUS, ...identity }, resource);
}

const kongHeaders = (session: string) => ({ request: { headers: { 'x-claude-code-session-id': session } } });

/** Traffic every case shares: sessions tied to a person by policy key, IdP subject and telemetry e-mail. */
const owned = {
  agent: [
    telemetry(KEYED, '14:30'),
    telemetry(IDP_SUBJECT, '14:33', { 'user.id': ALICE_OKTA_ID }),
    telemetry(WITH_EMAIL, '14:35', { 'user.email': 'dave.kim@example.com' }),
  ],
  gateway: [
    litellmKeyRequest(at('14:31'), ALICE_KEY, { session_id: KEYED }),
    // An unlisted key without a user, inside a session whose telemetry names the person.
    litellmKeyRequest(at('14:36'), SHARED_KEY, { session_id: WITH_EMAIL }),
    // Outside telemetry: an unlisted key whose user LiteLLM knows, and a userless key the policy gives an owner.
    litellmKeyRequest(at('14:37'), OMAR_KEY, { session_id: crypto.randomUUID() }),
    litellmKeyRequest(at('14:38'), CAROL_KEY, { session_id: crypto.randomUUID() }),
  ],
  // Alice's token grant: the IdP knows subject 00u1qw1mqitPHM8AJ0g7 as alice@example.com.
  idp: [oktaEvent(at('13:58:02'))],
};

detectorCases(detector, [
  {
    name: 'fires on an anonymous session on an unowned key, an unowned key, and two workloads using AI without an owner',
    records: {
      agent: [...owned.agent, telemetry(OWNERLESS, '14:05', { 'team.id': 'ml' }), telemetry(OWNERLESS, '14:20', { 'team.id': 'ml' })],
      gateway: [
        ...owned.gateway,
        litellmKeyRequest(at('14:06'), SHARED_KEY, { session_id: OWNERLESS }),
        litellmKeyRequest(at('14:40'), BATCH_KEY, { session_id: crypto.randomUUID() }),
        litellmKeyRequest(at('14:41'), BATCH_KEY, { session_id: crypto.randomUUID() }),
        // The review bot's address calls the gateway on alice's Kong credential.
        kongAiLog(at('14:16'), { client_ip: REVIEW_BOT.ip, ...kongHeaders(crypto.randomUUID()) }),
      ],
      idp: [
        ...owned.idp,
        entraServicePrincipalSignIn(at('14:12')),
        oktaServiceAppGrant(at('14:15'), REVIEW_BOT.clientId, REVIEW_BOT.name, { client: { ipAddress: REVIEW_BOT.ip } }),
        // A workload that is neither an approved AI app nor seen at the gateway.
        entraServicePrincipalSignIn(at('14:25'), {
          appId: '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9', appDisplayName: 'nightly-backup', servicePrincipalName: 'nightly-backup',
          servicePrincipalId: '2c3d4e5f-6071-4829-93a4-b5c6d7e8f901', ipAddress: '20.1.2.3',
        }),
      ],
    },
    window: HOUR,
    expect: [
      {
        entity: `session:${OWNERLESS}`,
        team: 'team-ml',
        identity: 'erin.walsh@example.com',
        credential: 'ml-shared',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ kind: 'session', agentEvents: 2, gatewayRequests: 1, otelTeam: 'ml', credentials: ['ml-shared'] });
          expect(a.evidence.figures['installId']).toMatch(/^5dd07c33/);
          expect(a.impactUsd).toBeCloseTo(2 * 0.0421, 4);
          expect(a.windowStart).toBe(at('00:00:00.000'));
          expect(a.evidence.samples).toHaveLength(2);
          expect(a.summary).toMatch(/no user e-mail, no key owner and no IdP-known person; accountable: team team-ml \(owner erin\.walsh@example\.com\)/);
        },
      },
      {
        entity: `credential:litellm:${BATCH_KEY.hash}`,
        team: 'team-data',
        identity: 'carol.nguyen@example.com',
        credential: 'nightly-batch',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ kind: 'credential', requests: 2, gatewayRequests: 2, keyAlias: 'nightly-batch' });
          expect(a.impactUsd).toBeCloseTo(2 * 0.0421, 4);
          expect(JSON.stringify(a.evidence.samples)).toContain('nightly-batch');
        },
      },
      {
        entity: `service-principal:entra:${CI_RUNNER_SP}`,
        team: 'team-platform-eng',
        identity: 'dana.lee@example.com',
        credential: 'ci-claude-code-runner',
        check: (a) => expect(a.evidence.figures).toMatchObject({ kind: 'service_principal', signIns: 1, gatewayRequests: 0, credentials: ['de8bc8b5-d9f9-48b1-a8ad-b748da725064'] }),
      },
      {
        entity: `service-principal:okta:${REVIEW_BOT.clientId}`,
        team: 'team-platform-eng',
        identity: 'dana.lee@example.com',
        credential: REVIEW_BOT.name,
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ signIns: 1, gatewayRequests: 1, addresses: [REVIEW_BOT.ip] });
          expect(a.summary).toMatch(/its address sent 1 gateway request/);
        },
      },
    ],
  },
  {
    name: 'fires with no team and no accountable identity when nothing names one',
    records: {
      agent: [telemetry(NO_AUTH, '14:50')],
      // Kong without an auth plugin: no consumer, no credential.
      gateway: [kongAiLog(at('14:50:01'), { ...kongHeaders(NO_AUTH), consumer: null, authenticated_entity: null })],
    },
    window: HOUR,
    expect: [{ entity: `session:${NO_AUTH}`, team: '', identity: '', credential: '', check: (a) => expect(a.summary).toMatch(/accountable: no team/) }],
  },
  {
    name: 'quiet when people are named by telemetry, enduser.id, policy key, gateway user or IdP subject, and workloads are declared or not AI',
    records: {
      agent: [...owned.agent, telemetry(WITH_ENDUSER, '14:45', {}, { 'enduser.id': 'frank.ortiz@example.com' })],
      gateway: [...owned.gateway, kongAiLog(at('14:16'), { client_ip: REVIEW_BOT.ip, ...kongHeaders(crypto.randomUUID()) })],
      idp: [
        ...owned.idp,
        entraServicePrincipalSignIn(at('14:12')),
        // The review bot's grant failed: it did not get in.
        oktaServiceAppGrant(at('14:15'), REVIEW_BOT.clientId, REVIEW_BOT.name, {
          eventType: 'app.oauth2.as.token.grant', client: { ipAddress: REVIEW_BOT.ip }, outcome: { result: 'FAILURE', reason: 'invalid_client' },
        }),
        entraServicePrincipalSignIn(at('14:25'), {
          appId: '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9', appDisplayName: 'nightly-backup', servicePrincipalName: 'nightly-backup',
          servicePrincipalId: '2c3d4e5f-6071-4829-93a4-b5c6d7e8f901', ipAddress: '20.1.2.3',
        }),
      ],
    },
    window: HOUR,
    // The CI runner's owner, declared the only way the policy allows: a gateway key entry named after the app.
    policy: (p) => ({
      ...p,
      gatewayKeys: [...p.gatewayKeys, { gateway: 'litellm-prod', keyAlias: 'ci-claude-code-runner', owner: 'dana.lee@example.com', team: 'team-platform-eng' }],
    }),
    expect: 'none',
  },
  {
    name: 'quiet for unowned activity outside the window or below the activity floor',
    records: {
      agent: [telemetry(OWNERLESS, '13:59:59'), telemetry(NO_AUTH, '14:10')],
      gateway: [litellmKeyRequest(at('15:00'), BATCH_KEY, { session_id: crypto.randomUUID() }), litellmKeyRequest(at('14:40'), BATCH_KEY, { session_id: crypto.randomUUID() })],
      idp: [entraServicePrincipalSignIn(at('15:00:01'))],
    },
    window: HOUR,
    params: { minActivity: 2 },
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): the size's busiest hour of sessions on API-key auth (telemetry with
 * only the install id), each on alice's policy-listed key at the gateway; the planted incident is
 * one anonymous session on a key nobody owns.
 */
detectorCases(detector, sizeMatrix((size) => {
  const hour = busyHour(size);
  const work = {
    agent: hour.map(({ time, session }) => claudeCodeEvent(time, { 'session.id': session, ...ANONYMOUS })),
    gateway: hour.map(({ time, session }) => litellmKeyRequest(time, ALICE_KEY, { session_id: session })),
  };
  const ownerless = crypto.randomUUID();
  return [
    {
      name: 'fires on one anonymous session on an unowned key',
      records: { agent: [...work.agent, telemetry(ownerless, '14:50', { 'team.id': 'ml' })], gateway: [...work.gateway, litellmKeyRequest(at('14:51'), SHARED_KEY, { session_id: ownerless })] },
      window: HOUR,
      expect: [{ entity: `session:${ownerless}`, team: 'team-ml', credential: 'ml-shared' }],
    },
    { name: 'quiet when every session is on a key the policy gives an owner', records: work, window: HOUR, expect: 'none' },
  ];
}));
