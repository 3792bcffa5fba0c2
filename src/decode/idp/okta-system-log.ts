import { oktaEventHookSchema, oktaLogEventSchema, type OktaLogEvent } from '../../../schemas/events/okta.ts';
import type { IdpEventRow } from '../../normalize/rows.ts';
import type { DecodeContext, DecodeOutput, FormatDecoder } from '../types.ts';
import { eventTime } from '../../normalize/time.ts';
import { normalizeEmail, text } from '../../normalize/identity.ts';
import { redactedJson } from '../../normalize/content.ts';
import { oktaClientAuth } from '../../normalize/client-auth.ts';
import { issuesViolation, schemaViolation, timeRejectDetail } from '../reject.ts';
import { isRecord } from '../shape.ts';
import { safeParseFast } from '../schema-fast-path.ts';

/**
 * Okta System Log LogEvent (formats.md §6): one event, a `/api/v1/logs` page (top-level array),
 * or an Event Hook delivery. Every event is its own record; a bad one does not fail its siblings.
 */

const FORMAT = 'okta.system_log';

/** IdP rejects spell out this many zod issues and count the rest. */
export const IDP_LISTED_ISSUES = 3;

function looksLikeLogEvent(doc: unknown): boolean {
  return isRecord(doc) && 'uuid' in doc && 'eventType' in doc && 'published' in doc;
}

function isEventHook(doc: unknown): boolean {
  return isRecord(doc) && doc['eventType'] === 'com.okta.event_hook' && isRecord(doc['data']);
}

/** Okta types are PascalCase (`User`, `PublicClientApp`); snake_case matches Entra's `user`/`service_principal`. */
export function actorTypeOf(type: unknown): string {
  return text(type)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function scopesOf(debugData: Record<string, unknown>): string[] {
  // Granted is what the token can do; requested is the best there is when the grant failed.
  const scopes = text(debugData['grantedScopes']) || text(debugData['requestedScopes']);
  return scopes === '' ? [] : scopes.split(/\s+/).filter((s) => s !== '');
}

export function oktaRow(e: OktaLogEvent, time: string, raw: string): IdpEventRow {
  const targets = e.target ?? [];
  const user = targets.find((t) => t.type === 'User');
  const app = targets.find((t) => t.type === 'AppInstance');
  const debugData = e.debugContext?.debugData ?? {};
  // For OAuth events client.id is the OAuth client (the app); elsewhere it is not an app id.
  const oauthClient = e.eventType.startsWith('app.oauth2.') ? text(e.client?.id) : '';
  return {
    event_time: time,
    format: FORMAT,
    idp: 'okta',
    event_id: e.uuid,
    event_type: e.eventType,
    actor_id: text(e.actor.id),
    actor_email: normalizeEmail(e.actor.alternateId),
    actor_type: actorTypeOf(e.actor.type),
    actor_name: text(e.actor.displayName),
    target_user_id: text(user?.id),
    target_user_email: normalizeEmail(user?.alternateId),
    app_id: text(app?.id) || oauthClient,
    app_name: text(app?.displayName),
    outcome: text(e.outcome?.result).toLowerCase(),
    outcome_reason: text(e.outcome?.reason),
    session_id: text(e.authenticationContext?.externalSessionId),
    client_ip: text(e.client?.ipAddress),
    user_agent: text(e.client?.userAgent?.rawUserAgent),
    grant_type: text(debugData['grantType']),
    scopes: scopesOf(debugData),
    client_auth: oktaClientAuth(e.eventType, e.authenticationContext?.credentialType),
    raw,
  };
}

function decodeOne(doc: unknown, ctx: DecodeContext, out: DecodeOutput): void {
  const raw = redactedJson(doc, ctx.storePromptText);
  const parsed = safeParseFast(oktaLogEventSchema, doc);
  if (!parsed.success) {
    out.rejects.push(issuesViolation(FORMAT, parsed.error, raw, { max: IDP_LISTED_ISSUES }));
    return;
  }
  try {
    const time = eventTime(parsed.data.published, ctx.maxEventTime);
    out.records.push({ table: 'idp_events', format: FORMAT, row: oktaRow(parsed.data, time, raw) });
  } catch (err) {
    out.rejects.push(schemaViolation(FORMAT, timeRejectDetail('published', err), raw));
  }
}

export const oktaSystemLogDecoder: FormatDecoder = {
  format: FORMAT,
  source: 'idp',
  matches(doc) {
    if (Array.isArray(doc)) return doc.length > 0 && looksLikeLogEvent(doc[0]);
    return looksLikeLogEvent(doc) || isEventHook(doc);
  },
  decode(doc, ctx) {
    const out: DecodeOutput = { records: [], rejects: [] };
    if (Array.isArray(doc)) {
      doc.forEach((element) => decodeOne(element, ctx, out));
    } else if (isEventHook(doc)) {
      const hook = safeParseFast(oktaEventHookSchema, doc);
      if (hook.success) hook.data.data.events.forEach((e) => decodeOne(e, ctx, out));
      else out.rejects.push(issuesViolation(FORMAT, hook.error, redactedJson(doc, ctx.storePromptText), { max: IDP_LISTED_ISSUES }));
    } else {
      decodeOne(doc, ctx, out);
    }
    return out;
  },
};
