import { entraServicePrincipalSignIn } from '../../detectors/_shared/fixtures-identity.ts';
import { openAiKeyPage, openAiProjectKey } from '../../detectors/_shared/fixtures-keys.ts';
import type { IncidentKind, IncidentPlan } from './incidents.ts';
import { int, pick, uuid } from './traffic.ts';
import { CI_RUNNER, PEOPLE } from './world.ts';

/**
 * Incident kinds of static, long-lived credentials (detectors/cross-source/static-credentials.ts),
 * planted live like the others in incidents.ts: the CI runner signing in with a client secret
 * where the policy expects federation, and a person's provider key past the policy's maximum age
 * showing up in the key inventory.
 */

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** policy.example.yaml workloadIdentity.providerKeys.maxAgeDays (OpenAI has no override). */
const OPENAI_MAX_KEY_AGE_DAYS = 90;

export const CREDENTIAL_INCIDENT_KINDS: readonly IncidentKind[] = [
  {
    id: 'static-ci-secret',
    detectors: ['cross-source.static-credentials', 'cross-source.ownerless-session'],
    plant(_r, people, t): IncidentPlan | null {
      // The workload belongs to team-platform-eng (policy); plant it only when that team is simulated.
      if (!people.some((p) => p.team === 'team-platform-eng')) return null;
      const doc = entraServicePrincipalSignIn(iso(t), { clientCredentialType: 'clientSecret', ipAddress: CI_RUNNER.ip });
      return {
        kind: this.id, description: 'the CI runner signs in with a client secret, where the policy expects its federated credential',
        start: t, end: t, sessions: [], records: [{ at: t, source: 'idp', doc }],
        // Its sign-in to the gateway app is also a workload identity with no declared owner (the planted day's ci-runner).
        expected: [
          { detector: 'cross-source.static-credentials', entity: 'workload:entra:ci-claude-code-runner', team: 'team-platform-eng', identity: PEOPLE.dana.email },
          { detector: 'cross-source.ownerless-session', entity: `service-principal:entra:${CI_RUNNER.servicePrincipalId}`, team: 'team-platform-eng', identity: PEOPLE.dana.email },
        ],
      };
    },
  },
  {
    id: 'stale-provider-key',
    detectors: ['cross-source.static-credentials'],
    plant(r, people, t): IncidentPlan | null {
      const p = pick(r, people);
      const id = `key_${uuid(r).replace(/-/g, '').slice(0, 16)}`;
      // The alert's window is the UTC day the key became due; make that the incident's day, before t,
      // so the scorecard's window overlap holds (a key due months ago is found the same way).
      const dayStart = Math.floor(t / DAY) * DAY;
      const created = dayStart + int(r, 0, Math.max(0, t - dayStart)) - OPENAI_MAX_KEY_AGE_DAYS * DAY;
      const doc = openAiKeyPage('proj_abc', [openAiProjectKey({ id, name: `${p.email.split('@')[0] ?? 'someone'} laptop`, createdAt: iso(created), lastUsedAt: iso(t - DAY), ownerEmail: p.email })]);
      return {
        kind: this.id, description: `the key inventory shows ${p.email}'s OpenAI key, created ${iso(created).slice(0, 10)}, never rotated`,
        start: t, end: t, sessions: [], records: [{ at: t, source: 'billing', doc }],
        expected: [{ detector: 'cross-source.static-credentials', entity: `openai:${id}`, team: p.team, identity: p.email }],
      };
    },
  },
];
