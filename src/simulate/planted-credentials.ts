import { entraServicePrincipalSignIn } from '../../detectors/_shared/fixtures-identity.ts';
import { openAiKeyPage, openAiProjectKey } from '../../detectors/_shared/fixtures-keys.ts';
import type { PlantedAlert } from './planted.ts';
import { CI_RUNNER, PEOPLE } from './world.ts';

/**
 * The planted day's incidents of static credentials and its enforcement findings (issue 14), kept
 * beside planted-day.ts / planted.ts: the records to add and the alerts they, and two incidents
 * the day already plants, must raise.
 */

type Doc = Record<string, unknown>;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** frank's key: OpenAI keys may live 90 days (policy.example.yaml); this one turns 90 at 18:00 of the planted day. */
export const FRANK_OLD_KEY = 'key_frankNotebook01';
const OPENAI_MAX_KEY_AGE_DAYS = 90;

export function credentialRecords(at: (hhmm: string) => number): { idp: Doc[]; billing: Doc[] } {
  const { frank } = PEOPLE;
  return {
    // The CI runner falls back to its client secret once, at 03:30 (the federated sign-in is at 03:00).
    idp: [entraServicePrincipalSignIn(iso(at('03:30')), { clientCredentialType: 'clientSecret', ipAddress: CI_RUNNER.ip })],
    // The morning key-inventory pull of the gateway's OpenAI project.
    billing: [openAiKeyPage('proj_abc', [
      openAiProjectKey({ id: FRANK_OLD_KEY, name: 'frank notebook', createdAt: iso(at('18:00') - OPENAI_MAX_KEY_AGE_DAYS * DAY), lastUsedAt: iso(at('08:00') - HOUR), ownerEmail: frank.email }),
      openAiProjectKey({ id: 'key_litellmUpstream2', name: 'litellm-prod upstream', createdAt: iso(at('00:00') - 20 * DAY), serviceAccount: 'litellm-prod' }),
    ])],
  };
}

export function credentialAndEnforcementAlerts(at: (hhmm: string) => number): PlantedAlert[] {
  const { carol, dana, frank } = PEOPLE;
  return [
    {
      id: 'ci-static-secret', plantedAt: at('03:30'),
      detector: 'cross-source.static-credentials', entity: 'workload:entra:ci-claude-code-runner', team: 'team-platform-eng', identity: dana.email, credential: 'ci-claude-code-runner',
      incident: 'the CI runner signs in with its client secret (03:30), where the policy expects its federated credential',
    },
    {
      id: 'frank-old-key', plantedAt: at('18:00'),
      detector: 'cross-source.static-credentials', entity: `openai:${FRANK_OLD_KEY}`, team: 'team-ml', identity: frank.email, credential: FRANK_OLD_KEY,
      incident: 'frank\'s OpenAI notebook key reaches the policy\'s 90-day maximum at 18:00 and stays active, never rotated',
    },
    {
      id: 'carol-opus-enforcement', plantedAt: at('11:10'),
      detector: 'gateway.enforcement-drift', entity: 'enforcement:litellm:team-data:model:claude-opus-4-1-20250805', team: 'team-data', identity: carol.email, credential: carol.litellm.alias,
      incident: 'same Opus hour as carol-opus: the exported LiteLLM configuration gives team-data no Opus, the gateway served it anyway',
    },
    {
      id: 'data-budget-enforcement', plantedAt: at('16:00'),
      detector: 'gateway.enforcement-drift', entity: 'enforcement:litellm:team-data:budget', team: 'team-data', identity: carol.email,
      incident: 'after the runaway hour spent team-data\'s $80/day, LiteLLM kept serving team-data (16:00–19:52)',
    },
  ];
}
