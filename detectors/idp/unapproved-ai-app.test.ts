import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { at, oktaEvent } from '../_shared/fixtures.ts';
import { PEOPLE, apiRequestBy, entraSignInBy, litellmBy, oktaConsentBy, oktaGrantBy, oktaSsoBy } from '../_shared/fixtures-logging.ts';
import { SIZE_WINDOW, busyHour, sizeMatrix } from '../_shared/fixtures-sizes.ts';
import detector from './unapproved-ai-app.ts';

const HOUR = { from: at('14:00'), to: at('15:00') };
const { alice, carol, omar, dave, erin } = PEOPLE;

const CHATGPT = { id: '0oa9chatgptent00001d7', name: 'ChatGPT Enterprise' };
const CURSOR = { id: '0oa7cursorai000001d7', name: 'Cursor' };
const PERPLEXITY = { id: '0oa5perplexity0001d7', name: 'Perplexity Enterprise Pro' };
const NOTION = { id: '0oa3notion00000001d7', name: 'Notion' };
const SALESFORCE = { id: '0oa1salesforce0001d7', name: 'Salesforce' };
const CLAUDE_FOR_WORK = { appId: '6f1d2c3b-7a8e-4b9c-8d0e-1f2a3b4c5d6e', name: 'Claude for Work' };
const LOOKALIKE_GATEWAY = { appId: '0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b', name: 'LLM Gateway (LiteLLM)' };
const GATEWAY_ENTRA = { appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', name: 'LLM Gateway (LiteLLM)' };
const CI_RUNNER = { appId: 'de8bc8b5-d9f9-48b1-a8ad-b748da725064', name: 'ci-claude-code-runner' };
const CHATGPT_ENTRA = { appId: '2a4c6e8f-1b3d-4f5a-8c7e-9d0b1a2c3e4f', name: 'ChatGPT' };

/** Sign-ins and grants the example policy allows, to non-AI apps, and ones that failed. */
const allowed = [
  oktaEvent(at('14:02:02')), // alice → LLM Gateway token grant (approved Okta client)
  entraSignInBy(alice, at('14:03'), GATEWAY_ENTRA),
  entraSignInBy(alice, at('14:04'), CI_RUNNER), // approved for team-platform-eng
  oktaSsoBy(alice, at('14:05'), SALESFORCE),
  oktaSsoBy(dave, at('14:06'), CHATGPT, 'FAILURE'),
  { ...oktaGrantBy(alice, at('14:07'), CHATGPT, 'app.oauth2.as.token.grant'), outcome: { result: 'FAILURE', reason: 'invalid_grant' } }, // the bare event: a failed grant
  entraSignInBy(erin, at('14:08'), CHATGPT_ENTRA, { errorCode: 50126 }),
];
const otherSources = { gateway: [litellmBy(alice, at('14:10'))], agent: [apiRequestBy(alice, at('14:11'))] };

detectorCases(detector, [
  {
    name: 'fires per person and AI app for SSO, OAuth and consent grants in Okta and sign-ins in Entra',
    records: {
      idp: [
        ...allowed,
        oktaSsoBy(alice, at('09:00', -2), CHATGPT),
        oktaSsoBy(alice, at('14:12'), CHATGPT),
        // The grant names only the client; the app name comes from dave's SSO ten days ago.
        oktaSsoBy(dave, at('11:00', -10), CURSOR),
        oktaGrantBy(carol, at('14:15'), { id: CURSOR.id }),
        oktaGrantBy(carol, at('14:16'), { id: CURSOR.id }, 'app.oauth2.as.token.grant.refresh_token'),
        oktaConsentBy(omar, at('14:20'), PERPLEXITY),
        entraSignInBy(erin, at('14:25'), CLAUDE_FOR_WORK),
        entraSignInBy(erin, at('14:35'), CLAUDE_FOR_WORK, { interactive: false }),
        entraSignInBy(erin, at('14:45'), CLAUDE_FOR_WORK, { interactive: false }),
        // Same name as the approved gateway app, different app id.
        entraSignInBy(dave, at('14:30'), LOOKALIKE_GATEWAY),
        // Approved for team-platform-eng only.
        entraSignInBy(carol, at('14:40'), CI_RUNNER),
      ],
      ...otherSources,
    },
    window: HOUR,
    expect: [
      {
        entity: `alice@example.com:okta:${CHATGPT.id}`, team: 'team-platform-eng', identity: 'alice@example.com', credential: '',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ appName: 'ChatGPT Enterprise', events: 1, eventTypes: ['user.authentication.sso'], idpUserIds: [alice.oktaId] });
          expect(a.windowStart).toBe(at('00:00:00.000', -2));
          expect(a.evidence.figures['firstSeen']).toBe(at('09:00:00.000', -2).replace('T', ' ').replace('Z', ''));
          expect(a.summary).toMatch(/signed in to AI app "ChatGPT Enterprise"/);
          expect(a.evidence.samples?.length).toBe(1);
        },
      },
      {
        entity: `carol.nguyen@example.com:okta:${CURSOR.id}`, team: 'team-data', identity: 'carol.nguyen@example.com', credential: CURSOR.id,
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ appName: 'Cursor', events: 2, grantTypes: ['authorization_code'] });
          expect([...(a.evidence.figures['eventTypes'] as string[])].sort()).toEqual(['app.oauth2.as.token.grant.access_token', 'app.oauth2.as.token.grant.refresh_token']);
          expect([...(a.evidence.figures['scopes'] as string[])].sort()).toEqual(['email', 'offline_access', 'openid']);
          expect(a.windowStart).toBe(at('00:00:00.000'));
          expect(a.summary).toMatch(/granted OAuth access to AI app "Cursor"/);
        },
      },
      { entity: `omar.haddad@example.com:okta:${PERPLEXITY.id}`, team: 'team-data', identity: 'omar.haddad@example.com', credential: PERPLEXITY.id, check: (a) => expect(a.evidence.figures).toMatchObject({ eventTypes: ['user.consent.grant'] }) },
      {
        entity: `erin.walsh@example.com:entra:${CLAUDE_FOR_WORK.appId}`, team: 'team-ml', identity: 'erin.walsh@example.com',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ events: 3, appName: 'Claude for Work', idpUserIds: [erin.entraId] });
          expect([...(a.evidence.figures['eventTypes'] as string[])].sort()).toEqual(['signin.interactiveUser', 'signin.nonInteractiveUser']);
        },
      },
      { entity: `dave.kim@example.com:entra:${LOOKALIKE_GATEWAY.appId}`, team: 'team-web', identity: 'dave.kim@example.com' },
      {
        entity: `carol.nguyen@example.com:entra:${CI_RUNNER.appId}`, team: 'team-data',
        check: (a) => {
          expect(a.evidence.figures['approvedForTeams']).toEqual(['team-platform-eng']);
          expect(a.summary).toMatch(/approved only for team-platform-eng/);
        },
      },
    ],
  },
  {
    name: 'fires by name approval scoped to another team, and on apps listed only in aiAppIds',
    records: {
      idp: [...allowed, oktaSsoBy(alice, at('14:12'), CHATGPT), oktaSsoBy(dave, at('14:13'), CHATGPT), oktaSsoBy(omar, at('14:14'), NOTION)],
      ...otherSources,
    },
    window: HOUR,
    policy: (p) => ({ ...p, aiApps: [...p.aiApps, { idp: 'okta' as const, name: 'ChatGPT Enterprise', teams: ['team-web'] }] }),
    params: { aiAppIds: [NOTION.id] },
    expect: [
      { entity: `alice@example.com:okta:${CHATGPT.id}`, check: (a) => expect(a.evidence.figures['approvedForTeams']).toEqual(['team-web']) },
      { entity: `omar.haddad@example.com:okta:${NOTION.id}`, team: 'team-data', identity: 'omar.haddad@example.com' },
    ],
  },
  {
    name: 'quiet for approved AI apps, non-AI apps and failed sign-ins or grants',
    records: { idp: [...allowed, oktaSsoBy(omar, at('14:14'), NOTION)], ...otherSources },
    window: HOUR,
    expect: 'none',
  },
  {
    name: 'quiet once the policy approves the app org-wide, and for grants outside the window',
    records: {
      idp: [...allowed, oktaSsoBy(alice, at('14:12'), CHATGPT), oktaConsentBy(omar, at('13:59:59'), PERPLEXITY), oktaConsentBy(omar, at('15:00'), PERPLEXITY)],
      ...otherSources,
    },
    window: HOUR,
    policy: (p) => ({ ...p, aiApps: [...p.aiApps, { idp: 'okta' as const, appId: CHATGPT.id, name: 'ChatGPT Enterprise', teams: [] }] }),
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): a sign-in for each request of the size's busiest hour, to the
 * approved gateway app and to a non-AI app in turn; the planted incident is one SSO to an AI app
 * the policy does not approve.
 */
detectorCases(detector, sizeMatrix((size) => {
  const signIns = busyHour(size).map(({ time }, i) => (i % 2 === 0 ? entraSignInBy(alice, time, GATEWAY_ENTRA) : oktaSsoBy(alice, time, SALESFORCE)));
  return [
    {
      name: 'fires on one sign-in to an unapproved AI app',
      records: { idp: [...signIns, oktaSsoBy(carol, at('14:50'), CHATGPT)] },
      window: SIZE_WINDOW,
      expect: [{ entity: `carol.nguyen@example.com:okta:${CHATGPT.id}`, team: 'team-data', check: (a) => expect(a.evidence.figures).toMatchObject({ events: 1 }) }],
    },
    { name: 'quiet on sign-ins to approved and non-AI apps', records: { idp: signIns }, window: SIZE_WINDOW, expect: 'none' },
  ];
}));
