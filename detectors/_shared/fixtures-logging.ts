import { claudeCodeEvent, entraSignIn, freshId, kongAiLog, litellmSpendLog, oktaEvent, type Overrides } from './fixtures.ts';

/**
 * Person-centred record builders for the logging, tool-scope and IdP-app detector tests, on top of
 * the real-format builders in fixtures.ts. The people, keys and teams are the ones in
 * policy.example.yaml, so team attribution in a test goes through the policy tables exactly as in
 * production (gateway key → team, e-mail → membership, OTel team.id → alias).
 */

type Doc = Record<string, unknown>;

export interface Person {
  email: string;
  /** Canonical policy team at the fixture day. */
  team: string;
  /** How the OTel resource spells the team (OTEL_RESOURCE_ATTRIBUTES team.id). */
  otelTeam: string;
  /** LiteLLM virtual key hash and alias (the policy's gatewayKeys where it lists one). */
  keyHash: string;
  keyAlias: string;
  /** Kong consumer / authenticated entity, for the people the policy gives a Kong credential. */
  kong?: { consumerId: string; credentialId: string };
  oktaId: string;
  entraId: string;
  name: string;
}

const hex64 = (seed: string) => seed.repeat(Math.ceil(64 / seed.length)).slice(0, 64);

export const PEOPLE = {
  alice: {
    email: 'alice@example.com', team: 'team-platform-eng', otelTeam: 'platform', name: 'Alice Example',
    keyHash: '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b', keyAlias: 'alice-claude-code',
    kong: { consumerId: 'ae974d6c-0f8a-4dc5-b701-fa0aa38592bd', credentialId: 'c62c1455-9b1d-4f2d-8797-509ba83b8ae8' },
    oktaId: '00u1qw1mqitPHM8AJ0g7', entraId: '26be570a-1111-5555-b4e2-a37c6808512d',
  },
  carol: {
    email: 'carol.nguyen@example.com', team: 'team-data', otelTeam: 'data', name: 'Carol Nguyen',
    keyHash: '3b1f6c0a9d2e4f5a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a', keyAlias: 'carol-claude-code',
    oktaId: '00u2carolNguyen0g7', entraId: '7c1e0b9a-2222-4c3d-9e8f-0a1b2c3d4e5f',
  },
  omar: {
    email: 'omar.haddad@example.com', team: 'team-data', otelTeam: 'data', name: 'Omar Haddad',
    keyHash: hex64('0a7e3d'), keyAlias: 'omar-claude-code',
    oktaId: '00u3omarHaddad00g7', entraId: '9d2f1c0b-3333-4d4e-8f9a-1b2c3d4e5f60',
  },
  dave: {
    email: 'dave.kim@example.com', team: 'team-web', otelTeam: 'web', name: 'Dave Kim',
    keyHash: '5e8a1d4c7b0f3e6a9d2c5b8e1f4a7d0c3b6e9a2d5c8f1b4e7a0d3c6f9b2e5a8d', keyAlias: 'web-review-bot',
    oktaId: '00u4daveKim0000g7', entraId: '1a3b5c7d-4444-4e5f-9a0b-2c3d4e5f6071',
  },
  erin: {
    email: 'erin.walsh@example.com', team: 'team-ml', otelTeam: 'ml', name: 'Erin Walsh',
    keyHash: hex64('e41a5f'), keyAlias: 'erin-claude-code',
    kong: { consumerId: '3f9e2d1c-5b4a-4c3d-8e7f-6a5b4c3d2e1f', credentialId: '7d0e2a41-5c3b-4e8f-9a16-2b7c4d9e0f13' },
    oktaId: '00u5erinWalsh000g7', entraId: '2b4c6d8e-5555-4f60-8a1b-3c4d5e6f7081',
  },
  frank: {
    email: 'frank.ortiz@example.com', team: 'team-ml', otelTeam: 'ml', name: 'Frank Ortiz',
    keyHash: hex64('f7a2c9'), keyAlias: 'frank-claude-code',
    oktaId: '00u6frankOrtiz00g7', entraId: '3c5d7e9f-6666-4071-9b2c-4d5e6f708192',
  },
} satisfies Record<string, Person>;

/** `count` ISO times from `start`, `stepSeconds` apart. */
export function every(start: string, count: number, stepSeconds: number): string[] {
  const t0 = Date.parse(start);
  return Array.from({ length: count }, (_, i) => new Date(t0 + i * stepSeconds * 1000).toISOString());
}

/**
 * The machine's real clock in epoch ms. Ingest delay is ingested_at (stamped by the store's clock,
 * which no test can pin) minus the event time, so tests about delay read the real clock even when
 * the test's Date is pinned to another day (test/helpers/pinned-today.ts).
 */
export function storeClockNow(): number {
  return Math.round(performance.timeOrigin + performance.now());
}

/** An ISO time `minutes` before now on the store's clock (for tests about ingest delay). */
export function minutesAgo(minutes: number): string {
  return new Date(storeClockNow() - minutes * 60_000).toISOString();
}

const PROMPT = [{ role: 'user', content: 'Refactor the retry helper to use capped exponential backoff.' }];
const RESPONSE = { content: [{ type: 'text', text: 'Here is the refactored helper.' }] };

export interface GatewayOptions {
  /** Prompt and response stored by the gateway (store_prompts_in_spend_logs / Kong payload logging). */
  logged?: boolean;
  session?: string;
  /** An MCP tool call made through the gateway (LiteLLM MCP gateway). */
  mcp?: { server: string; tool: string };
  overrides?: Overrides;
}

/** LiteLLM SpendLogs row for a person's virtual key; prompts are `"{}"` unless `logged`. */
export function litellmBy(p: Person, at: string, o: GatewayOptions = {}): Doc {
  return litellmSpendLog(at, {
    api_key: p.keyHash,
    user: p.email,
    team_id: p.team,
    session_id: o.session ?? crypto.randomUUID(),
    metadata: {
      user_api_key: `${p.keyHash.slice(0, 8)}…${p.keyHash.slice(-4)}`,
      user_api_key_alias: p.keyAlias,
      user_api_key_team_id: p.team,
      user_api_key_team_alias: p.otelTeam,
      user_api_key_user_id: p.email,
      additional_usage_values: { cache_read_input_tokens: 45100, cache_creation_input_tokens: 2400 },
      status: 'success',
      ...(o.mcp ? { mcp_tool_call_metadata: { name: o.mcp.tool, mcp_server_name: o.mcp.server, arguments: { query: 'q' } } } : {}),
    },
    ...(o.mcp ? { mcp_namespaced_tool_name: `${o.mcp.server}/${o.mcp.tool}`, call_type: 'call_mcp_tool' } : {}),
    ...(o.logged ? { messages: PROMPT, response: RESPONSE } : {}),
    ...o.overrides,
  });
}

/** Kong AI Gateway log for a person with a Kong credential; payload logging only if `logged`. */
export function kongBy(p: Person, at: string, o: GatewayOptions = {}): Doc {
  if (!p.kong) throw new Error(`${p.email} has no Kong credential in the example policy`);
  return kongAiLog(at, {
    request: { headers: { 'x-claude-code-session-id': o.session ?? crypto.randomUUID() } },
    consumer: { id: p.kong.consumerId, username: p.email, custom_id: p.team },
    authenticated_entity: { id: p.kong.credentialId },
    ...(o.logged ? { ai: { proxy: { payload: { request: JSON.stringify({ messages: PROMPT }), response: JSON.stringify(RESPONSE) } } } } : {}),
    ...o.overrides,
  });
}

/** Identity attributes Claude Code exports for a person (OAuth login + team.id resource attribute). */
function identity(p: Person, session: string): Overrides {
  return {
    'session.id': session,
    'user.email': p.email,
    'team.id': p.otelTeam,
    'user.account_id': p === PEOPLE.alice ? 'user_01WCz1FkmYMm4gnmykNKUu3Q' : null,
    'user.account_uuid': null,
  };
}

/** A Claude Code api_request event by a person. */
export function apiRequestBy(p: Person, at: string, session: string = crypto.randomUUID()): Doc {
  return claudeCodeEvent(at, identity(p, session));
}

/** The api_request-only attributes of the sample, cleared for other events. */
const NOT_A_MODEL_CALL: Overrides = {
  model: null, cost_usd: null, cost_usd_micros: null, input_tokens: null, output_tokens: null,
  cache_read_tokens: null, cache_creation_tokens: null, request_id: null, client_request_id: null, speed: null, query_source: null,
};

export interface ToolOptions {
  session?: string;
  /** tool_decision instead of tool_result; `reject` = the user or a hook refused the call. */
  decision?: 'accept' | 'reject';
  toolUseId?: string;
}

/**
 * A Claude Code tool event: `tool_result` (the tool ran) or `tool_decision`. MCP tools are named
 * `mcp__<server>__<tool>` as Claude Code reports them.
 */
export function toolEventBy(p: Person, at: string, toolName: string, o: ToolOptions = {}): Doc {
  const mcp = toolName.startsWith('mcp__');
  const common = { ...NOT_A_MODEL_CALL, ...identity(p, o.session ?? crypto.randomUUID()), tool_name: toolName, tool_use_id: o.toolUseId ?? freshId('toolu_01') };
  if (o.decision) {
    return claudeCodeEvent(at, { ...common, 'event.name': 'tool_decision', decision: o.decision, source: o.decision === 'reject' ? 'user_reject' : 'user_temporary', tool_source: mcp ? 'mcp' : 'builtin' });
  }
  return claudeCodeEvent(at, {
    ...common, 'event.name': 'tool_result', success: 'true', duration_ms: 840, decision_type: 'accept', decision_source: 'config',
    tool_result_size_bytes: 2048, ...(mcp ? { mcp_server_scope: 'user' } : {}),
  });
}

// ---------- IdP ----------

export interface OktaApp {
  id: string;
  name: string;
}

function oktaActor(p: Person): Overrides {
  return { actor: { id: p.oktaId, type: 'User', alternateId: p.email, displayName: p.name } };
}

/** Okta `user.authentication.sso` into an app instance. */
export function oktaSsoBy(p: Person, at: string, app: OktaApp, result = 'SUCCESS'): Doc {
  return oktaEvent(at, {
    ...oktaActor(p),
    eventType: 'user.authentication.sso',
    displayMessage: 'User single sign on to app',
    client: { id: null, userAgent: { rawUserAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) Chrome/139.0', os: 'Mac OS X', browser: 'CHROME' } },
    outcome: { result },
    target: [{ id: app.id, type: 'AppInstance', alternateId: app.name, displayName: app.name }],
    debugContext: { debugData: { initiationType: 'IDP_INITIATED' } },
  });
}

/**
 * Okta OAuth token grant (`app.oauth2.as.token.grant.access_token` by default): client.id is the
 * app's OAuth client. The app instance is named in target[] only when `app.name` is given.
 */
export function oktaGrantBy(p: Person, at: string, app: { id: string; name?: string }, eventType = 'app.oauth2.as.token.grant.access_token', scopes = 'openid email offline_access'): Doc {
  return oktaEvent(at, {
    ...oktaActor(p),
    eventType,
    client: { id: app.id },
    target: [
      { id: freshId('AT.'), type: 'access_token', alternateId: 'unknown', displayName: 'Access Token' },
      ...(app.name ? [{ id: app.id, type: 'AppInstance', alternateId: app.name, displayName: app.name }] : []),
    ],
    debugContext: { debugData: { grantType: 'authorization_code', requestedScopes: scopes, grantedScopes: scopes } },
  });
}

/** Okta `user.consent.grant`: the user consents to scopes for an app. */
export function oktaConsentBy(p: Person, at: string, app: OktaApp, scopes = 'openid profile email offline_access'): Doc {
  return oktaEvent(at, {
    ...oktaActor(p),
    eventType: 'user.consent.grant',
    displayMessage: 'User granted consent to app',
    client: { id: null },
    target: [{ id: app.id, type: 'AppInstance', alternateId: app.name, displayName: app.name }],
    debugContext: { debugData: { grantedScopes: scopes } },
  });
}

/** Entra ID user sign-in to an app; errorCode 0 = success. */
export function entraSignInBy(p: Person, at: string, app: { appId: string; name: string }, o: { interactive?: boolean; errorCode?: number } = {}): Doc {
  const interactive = o.interactive ?? true;
  const code = o.errorCode ?? 0;
  return entraSignIn(at, {
    userDisplayName: p.name,
    userPrincipalName: p.email,
    userId: p.entraId,
    appId: app.appId,
    appDisplayName: app.name,
    resourceDisplayName: app.name,
    resourceId: app.appId,
    isInteractive: interactive,
    signInEventTypes: [interactive ? 'interactiveUser' : 'nonInteractiveUser'],
    status: { errorCode: code, failureReason: code === 0 ? null : 'Invalid username or password.', additionalDetails: null },
  });
}
