import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { at } from '../_shared/fixtures.ts';
import { entraServicePrincipalSignIn, oktaServiceAppGrant } from '../_shared/fixtures-identity.ts';
import { PEOPLE, apiRequestBy } from '../_shared/fixtures-logging.ts';
import { anthropicApiKey, anthropicKeyPage, openAiKeyPage, openAiProjectKey } from '../_shared/fixtures-keys.ts';
import { busyMorning, sizeMatrix } from '../_shared/fixtures-sizes.ts';
import detector from './static-credentials.ts';

const DAY = { from: at('00:00'), to: at('00:00', 1) };
// policy.example.yaml: ci-claude-code-runner (Entra, federation only) and review-bot (Okta, federated or private_key_jwt).
const REVIEW_BOT = '0oa4reviewbot0001d7';
const OTHER_SP = { appId: '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9', appDisplayName: 'nightly-backup', servicePrincipalName: 'nightly-backup', servicePrincipalId: '2c3d4e5f-6071-4829-93a4-b5c6d7e8f901' };

const ciSignIn = (time: string, clientCredentialType: string, overrides: Record<string, unknown> = {}) =>
  entraServicePrincipalSignIn(time, { clientCredentialType, ...overrides });
const botGrant = (time: string, credentialType: string) =>
  oktaServiceAppGrant(time, REVIEW_BOT, 'review-bot', { authenticationContext: { credentialType } });

/** Keys every case sees: young keys and an old archived one, none due. */
const freshKeys = [
  openAiKeyPage('proj_abc', [openAiProjectKey({ id: 'key_young01', name: 'alice laptop', createdAt: at('09:00', -30), ownerEmail: 'alice@example.com' })]),
  anthropicKeyPage([anthropicApiKey({ id: 'apikey_01ArchivedOld0001', name: 'old-ci', createdAt: at('09:00', -400), status: 'archived' })]),
];

detectorCases(detector, [
  {
    name: 'fires on a CI runner and a review bot signing in with static secrets, and on keys over the maximum age',
    records: {
      idp: [
        ciSignIn(at('14:05'), 'clientSecret'),
        ciSignIn(at('14:35'), 'clientSecret', { ipAddress: '198.51.100.23' }),
        ciSignIn(at('14:40'), 'federatedIdentityCredential'),
        botGrant(at('14:10'), 'PRE_SHARED_SYMMETRIC_KEY'),
        // Failed sign-ins prove nothing about what works.
        ciSignIn(at('14:50'), 'certificate', { status: { errorCode: 7000215, failureReason: 'Invalid client secret provided.' } }),
      ],
      billing: [
        ...freshKeys,
        openAiKeyPage('proj_abc', [
          // alice's key, 100 days old (policy: 90), never rotated.
          openAiProjectKey({ id: 'key_aliceOld01', name: 'alice cli', createdAt: at('10:00', -100), lastUsedAt: at('13:00'), ownerEmail: 'alice@example.com' }),
          // The gateway's upstream key rotated 10 days ago, but the old one (120 days) is still active.
          openAiProjectKey({ id: 'key_gwOld0001', name: 'litellm-prod upstream', createdAt: at('08:00', -120), serviceAccount: 'litellm-prod' }),
          openAiProjectKey({ id: 'key_gwNew0001', name: 'litellm-prod upstream', createdAt: at('08:00', -10), serviceAccount: 'litellm-prod' }),
        ]),
        // Anthropic keys may live 180 days; this one is 200 days old and held by the Kong gateway.
        // Its creator is named by account id only; alice's Claude Code telemetry shows that account is hers.
        anthropicKeyPage([anthropicApiKey({ id: 'apikey_01H8kQ2vNwXo7cZfTg3LmBpR', name: 'kong-prod', createdAt: at('12:00', -200), workspaceId: null, createdBy: 'user_01WCz1FkmYMm4gnmykNKUu3Q' })]),
      ],
      agent: [apiRequestBy(PEOPLE.alice, at('09:00'))],
    },
    window: DAY,
    expect: [
      {
        entity: 'anthropic:apikey_01H8kQ2vNwXo7cZfTg3LmBpR', team: 'team-platform-eng', identity: 'alice@example.com', credential: 'anthropic-kong-prod',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ ageDays: 200, maxAgeDays: 180, rotated: false, keyHint: 'sk-ant-api03-01H...mBpR' });
          expect(a.windowStart).toBe(at('00:00:00.000', -20));
        },
      },
      {
        entity: 'openai:key_aliceOld01', team: 'team-platform-eng', identity: 'alice@example.com', credential: 'key_aliceOld01',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ ageDays: 100, maxAgeDays: 90, rotated: false, keyName: 'alice cli', workspaceId: 'proj_abc' });
          expect(a.summary).toContain('never rotated');
          expect(JSON.stringify(a)).not.toMatch(/sk-proj-[A-Za-z0-9]{8,}/);
        },
      },
      {
        entity: 'openai:key_gwOld0001', team: '', credential: 'key_gwOld0001',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ ageDays: 120, rotated: true, ownerType: 'service_account' });
          expect(a.summary).toContain('left active');
        },
      },
      {
        entity: 'workload:entra:ci-claude-code-runner', team: 'team-platform-eng', identity: 'dana.lee@example.com', credential: 'ci-claude-code-runner',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ signIns: 2, methods: ['client_secret'], allowed: ['federated', 'managed_identity'] });
          expect(a.evidence.figures['addresses']).toEqual(['198.51.100.23', '20.42.0.15']);
          expect(a.evidence.samples).toHaveLength(2);
          expect(a.windowStart).toBe(at('00:00:00.000'));
        },
      },
      {
        entity: 'workload:okta:review-bot', team: 'team-web', identity: 'dave.kim@example.com', credential: 'review-bot',
        check: (a) => expect(a.evidence.figures).toMatchObject({ signIns: 1, methods: ['client_secret'] }),
      },
    ],
  },
  {
    name: 'quiet on federation, allowed key pairs, workloads the policy does not list, young or archived keys',
    records: {
      idp: [
        ciSignIn(at('14:05'), 'federatedIdentityCredential'),
        ciSignIn(at('14:06'), 'managedIdentity'),
        botGrant(at('14:10'), 'JWT'),
        // Not a listed workload: its secret is someone else's policy question.
        entraServicePrincipalSignIn(at('14:20'), { ...OTHER_SP, clientCredentialType: 'clientSecret' }),
        // The record does not say how the client authenticated.
        ciSignIn(at('14:30'), 'none'),
        // Outside the window.
        ciSignIn(at('00:30', 1), 'clientSecret'),
      ],
      billing: freshKeys,
    },
    window: DAY,
    expect: 'none',
  },
  {
    name: 'quiet when the policy has no key maximum and allows the CI runner its secret',
    records: {
      idp: [ciSignIn(at('14:05'), 'clientSecret')],
      billing: [openAiKeyPage('proj_abc', [openAiProjectKey({ id: 'key_aliceOld01', name: 'alice cli', createdAt: at('10:00', -400), ownerEmail: 'alice@example.com' })])],
    },
    window: DAY,
    policy: (p) => ({
      ...p,
      workloadIdentity: {
        workloads: (p.workloadIdentity?.workloads ?? []).map((w) => (w.id === 'ci-claude-code-runner' ? { ...w, allowedAuth: ['federated', 'client_secret'] } : w)),
      },
    }),
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): the CI runner federating once for each request of the size's working
 * morning, and a young key for each person; the planted incident is one sign-in with a client
 * secret.
 */
detectorCases(detector, sizeMatrix((size) => {
  const federated = busyMorning(size).map((time) => ciSignIn(time, 'federatedIdentityCredential'));
  const keys = openAiKeyPage('proj_abc', Array.from({ length: size.people }, (_, i) =>
    openAiProjectKey({ id: `key_young${String(i).padStart(4, '0')}`, name: `laptop ${i}`, createdAt: at('09:00', -30), ownerEmail: 'alice@example.com' })));
  return [
    {
      name: 'fires on one sign-in with a client secret',
      records: { idp: [...federated, ciSignIn(at('14:50'), 'clientSecret')], billing: [keys] },
      window: DAY,
      expect: [{ entity: 'workload:entra:ci-claude-code-runner', team: 'team-platform-eng', check: (a) => expect(a.evidence.figures).toMatchObject({ signIns: 1 }) }],
    },
    { name: 'quiet on federation and young keys', records: { idp: federated, billing: [keys] }, window: DAY, expect: 'none' },
  ];
}));
