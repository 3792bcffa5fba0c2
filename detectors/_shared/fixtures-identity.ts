import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deepMerge, freshId, litellmSpendLog, type Overrides } from './fixtures.ts';

/**
 * Identity-plane record builders for detector tests (IdP lifecycle events, workload sign-ins,
 * gateway requests on a given virtual key), in the sources' REAL wire formats (formats.md §1, §6,
 * §7). Like fixtures.ts, each starts from a checked-in sample in schemas/samples/ and goes through
 * the real decoders in detectorCases(), so a drift from the real format fails as a reject.
 */

type Doc = Record<string, unknown>;

const SAMPLES = fileURLToPath(new URL('../../schemas/samples/', import.meta.url));
function sample(name: string): Doc {
  return JSON.parse(readFileSync(`${SAMPLES}${name}.json`, 'utf8')) as Doc;
}

/** base ← builder defaults ← the caller's overrides, each level merged deeply. */
function build(base: Doc, defaults: Overrides, overrides: Overrides): Doc {
  return deepMerge(deepMerge(base, defaults), overrides);
}

const isoMs = (at: string) => new Date(Date.parse(at)).toISOString();
const isoS = (at: string) => isoMs(at).replace('.000Z', 'Z');

// ---------- Okta (formats.md §6) ----------

const OKTA_LIFECYCLE_MESSAGES: Record<string, string> = {
  'user.lifecycle.deactivate': 'Deactivate Okta user',
  'user.lifecycle.suspend': 'Suspend Okta user',
  'user.lifecycle.unsuspend': 'Unsuspend Okta user',
  'user.lifecycle.activate': 'Activate Okta user',
  'user.lifecycle.reactivate': 'Reactivate Okta user',
  'user.account.lock': 'Max sign in attempts exceeded',
  'user.account.unlock_by_admin': 'Unlock user account by admin',
};

/**
 * An Okta user lifecycle event (deactivate, suspend, lock, and their reversals) on `targetEmail`,
 * performed by the IT admin of the sample unless `overrides.actor` says otherwise.
 */
export function oktaLifecycle(at: string, eventType: string, targetEmail: string, overrides: Overrides = {}): Doc {
  const base = sample('okta-user-deactivate') as Doc & { target: Doc[] };
  const local = targetEmail.split('@')[0] ?? targetEmail;
  const target = deepMerge(base.target[0] ?? {}, {
    id: freshId('00u').slice(0, 20),
    alternateId: targetEmail,
    displayName: local.replace(/[._-]/g, ' '),
  });
  return build(base, {
    uuid: crypto.randomUUID(),
    published: isoMs(at),
    eventType,
    displayMessage: OKTA_LIFECYCLE_MESSAGES[eventType] ?? eventType,
    legacyEventType: null,
    target: [target],
  }, overrides);
}

/**
 * An OAuth client-credentials token grant to a service app (no human): the actor is the OAuth
 * client itself, as Okta logs machine-to-machine grants (actor.type `PublicClientApp`).
 */
export function oktaServiceAppGrant(at: string, clientId: string, name: string, overrides: Overrides = {}): Doc {
  const base = sample('okta-token-grant');
  return build(base, {
    uuid: crypto.randomUUID(),
    published: isoMs(at),
    actor: { id: clientId, type: 'PublicClientApp', alternateId: clientId, displayName: name },
    client: { id: clientId, userAgent: { rawUserAgent: 'python-requests/2.32.3', os: 'Linux', browser: 'UNKNOWN' } },
    target: [
      { id: `AT.${freshId('').slice(-12)}`, type: 'access_token', alternateId: 'unknown', displayName: 'Access Token', detailEntry: { subject: clientId } },
      { id: 'aus1llmgwAS0001d7', type: 'AuthorizationServer', displayName: 'LLM Gateway AS' },
    ],
    authenticationContext: { authenticationStep: 0, externalSessionId: null },
    debugContext: { debugData: { grantType: 'client_credentials', requestedScopes: 'llm.invoke', grantedScopes: 'llm.invoke', authorizationServerName: 'LLM Gateway AS' } },
  }, overrides);
}

// ---------- Microsoft Entra ID (formats.md §7) ----------

/**
 * A failed, non-interactive Graph signIn of `upn` with errorCode 50057 (account disabled): what
 * Entra logs when a disabled user's refresh token is replayed, e.g. by a CLI.
 */
export function entraAccountDisabled(at: string, upn: string, overrides: Overrides = {}): Doc {
  return build(sample('entra-signin-interactive'), {
    id: crypto.randomUUID(),
    createdDateTime: isoS(at),
    correlationId: crypto.randomUUID(),
    userPrincipalName: upn,
    userDisplayName: upn.split('@')[0] ?? upn,
    userId: crypto.randomUUID(),
    isInteractive: false,
    signInEventTypes: ['nonInteractiveUser'],
    clientAppUsed: 'Mobile Apps and Desktop clients',
    userAgent: 'claude-cli/2.1.200 (external, cli)',
    authenticationProtocol: 'none',
    incomingTokenType: 'refreshToken',
    conditionalAccessStatus: 'notApplied',
    status: { errorCode: 50057, failureReason: 'User account is disabled. The account has been disabled by an administrator.', additionalDetails: null },
  }, overrides);
}

/** A Graph signIn of a user (default: successful interactive sign-in to the LLM gateway). */
export function entraUserSignIn(at: string, upn: string, overrides: Overrides = {}): Doc {
  return build(sample('entra-signin-interactive'), {
    id: crypto.randomUUID(),
    createdDateTime: isoS(at),
    correlationId: crypto.randomUUID(),
    userPrincipalName: upn,
  }, overrides);
}

/** A service-principal sign-in (sample B: the CI runner's workload identity), successful by default. */
export function entraServicePrincipalSignIn(at: string, overrides: Overrides = {}): Doc {
  return build(sample('entra-signin-service-principal'), { id: crypto.randomUUID(), createdDateTime: isoS(at) }, overrides);
}

// ---------- gateway ----------

export interface GatewayKey {
  /** LiteLLM virtual-key hash (SpendLogs `api_key`). */
  hash: string;
  alias: string;
  /** LiteLLM internal user (the key's owner); null: a key without a user, e.g. a service key. */
  user: string | null;
  team: string | null;
}

/** A LiteLLM SpendLogs row made with the given virtual key (and its user / team, as LiteLLM stamps them). */
export function litellmKeyRequest(at: string, key: GatewayKey, overrides: Overrides = {}): Doc {
  return litellmSpendLog(at, {
    api_key: key.hash,
    user: key.user,
    team_id: key.team,
    ...overrides,
    metadata: deepMerge(
      {
        user_api_key: `${key.hash.slice(0, 8)}…${key.hash.slice(-4)}`,
        user_api_key_alias: key.alias,
        user_api_key_user_id: key.user,
        user_api_key_team_id: key.team,
        user_api_key_team_alias: null,
        user_api_key_org_id: 'org-acme',
        additional_usage_values: { cache_read_input_tokens: 45100, cache_creation_input_tokens: 2400 },
        status: 'success',
      },
      (overrides['metadata'] as Overrides | undefined) ?? {},
    ),
  });
}
