import type { ClientAuth } from './rows.ts';

/**
 * Client authentication of a workload, mapped to one vocabulary (rows.ts CLIENT_AUTH_KINDS) so that
 * a policy saying "federation only" reads the same for Entra and Okta.
 */

const ENTRA: Readonly<Record<string, ClientAuth>> = {
  clientsecret: 'client_secret',
  certificate: 'certificate',
  clientassertion: 'client_assertion',
  federatedidentitycredential: 'federated',
  managedidentity: 'managed_identity',
};

/** Entra `clientCredentialType` (signIn, beta): `none` and unknown future values say nothing. */
export function entraClientAuth(clientCredentialType: string | null | undefined): ClientAuth {
  return ENTRA[(clientCredentialType ?? '').toLowerCase()] ?? '';
}

/**
 * Okta `authenticationContext.credentialType` on OAuth events. PRE_SHARED_SYMMETRIC_KEY is a client
 * secret; JWT a signed client assertion with a key the client holds (private_key_jwt, or
 * client_secret_jwt, which is no better); ASSERTION an assertion issued to the workload by another
 * identity provider (token exchange / workload identity federation). Only OAuth events are read: on
 * a person's sign-in the same field names the person's factor, not a client's credential.
 */
const OKTA: Readonly<Record<string, ClientAuth>> = {
  PRE_SHARED_SYMMETRIC_KEY: 'client_secret',
  JWT: 'private_key_jwt',
  CERTIFICATE: 'certificate',
  ASSERTION: 'federated',
};

export function oktaClientAuth(eventType: string, credentialType: string | null | undefined): ClientAuth {
  if (!eventType.startsWith('app.oauth2.')) return '';
  return OKTA[(credentialType ?? '').toUpperCase()] ?? '';
}
