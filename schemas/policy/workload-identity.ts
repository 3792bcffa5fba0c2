import { z } from 'zod';

/**
 * Policy section `workloadIdentity` (issue 14): which workloads must prove who they are with a
 * federated, short-lived identity instead of a static secret, and how long a provider API key may
 * live. Synced into policy_workloads and policy_key_rotation (0019) by src/policy/workload-identity-rows.ts,
 * read by detectors/cross-source/static-credentials.ts.
 */

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" or "-"');

/**
 * How a client (a workload, not a person) proves its identity to the IdP, the same words for Entra
 * `clientCredentialType` and Okta `authenticationContext.credentialType` (idp_events.client_auth).
 * Static: a secret or a long-lived key the workload holds; federated / managed_identity: a
 * short-lived token issued to it by the platform it runs on.
 */
export const CLIENT_AUTH_KINDS = ['client_secret', 'certificate', 'private_key_jwt', 'client_assertion', 'federated', 'managed_identity'] as const;
export type ClientAuthKind = (typeof CLIENT_AUTH_KINDS)[number];
const clientAuthKind = z.enum(CLIENT_AUTH_KINDS);

/** Federation only (OIDC workload identity federation, SPIFFE-style issued identities, managed identities). */
export const FEDERATED_ONLY: readonly ClientAuthKind[] = ['federated', 'managed_identity'];

const workload = z
  .object({
    id,
    idp: z.enum(['okta', 'entra']),
    /** Entra appId or servicePrincipalId (GUID); Okta OAuth client id (0oa…). */
    appId: z.string().trim().min(1).optional(),
    /** The principal's name as the IdP logs it (Entra servicePrincipalName, Okta client name); `*` globs. */
    principal: z.string().trim().min(1).optional(),
    /** Team accountable for the workload (must be a policy team). */
    team: id,
    /** The person who answers for it. */
    owner: z.email().transform((v) => v.toLowerCase()),
    /** How it may authenticate; default: federation only. */
    allowedAuth: z.array(clientAuthKind).min(1).default([...FEDERATED_ONLY]),
    description: z.string().trim().min(1).optional(),
  })
  .strict()
  .refine((w) => w.appId !== undefined || w.principal !== undefined, { message: 'give appId and/or principal' });

const keyRotation = z
  .object({
    /** An active provider API key older than this is due for rotation. */
    maxAgeDays: z.number().int().positive(),
    /** Per-provider override of maxAgeDays. */
    providers: z.object({ openai: z.number().int().positive().optional(), anthropic: z.number().int().positive().optional() }).strict().default({}),
  })
  .strict();

export const workloadIdentitySection = z
  .object({
    workloads: z.array(workload).default([]),
    providerKeys: keyRotation.optional(),
  })
  .strict();

export type WorkloadIdentityPolicy = z.output<typeof workloadIdentitySection>;

/** Issues for references into the rest of the policy, at the path of the field to fix. */
export function workloadIdentityReferences(section: WorkloadIdentityPolicy | undefined, teamIds: ReadonlySet<string>): { path: (string | number)[]; message: string }[] {
  return (section?.workloads ?? []).flatMap((w, i) => (teamIds.has(w.team)
    ? []
    : [{ path: ['workloadIdentity', 'workloads', i, 'team'], message: `unknown team "${w.team}"` }]));
}
