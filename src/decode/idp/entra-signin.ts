import {
  entraDiagnosticRecordSchema,
  entraSignInSchema,
  type EntraDiagnosticRecord,
  type EntraSignIn,
} from '../../../schemas/events/entra.ts';
import type { IdpEventRow } from '../../normalize/rows.ts';
import type { DecodeContext, DecodeOutput, FormatDecoder } from '../types.ts';
import { eventTime } from '../../normalize/time.ts';
import { normalizeEmail, text } from '../../normalize/identity.ts';
import { redactedJson } from '../../normalize/content.ts';
import { entraClientAuth } from '../../normalize/client-auth.ts';
import { issuesViolation, schemaViolation, timeRejectDetail } from '../reject.ts';
import { isRecord } from '../shape.ts';
import { IDP_LISTED_ISSUES } from './okta-system-log.ts';
import { safeParseFast } from '../schema-fast-path.ts';

/**
 * Microsoft Entra ID sign-ins (formats.md §7) in the shapes they leave Azure in: a Graph `signIn`
 * object, a Graph list page `{value: […]}`, a top-level array, or the Azure Monitor diagnostic
 * envelope `{records: […]}` (Event Hub export) whose records hold the signIn under `properties`.
 */

const FORMAT = 'entra.signin';

type SignInEventType = 'interactiveUser' | 'nonInteractiveUser' | 'servicePrincipal' | 'managedIdentity';

/** Diagnostic categories carry the sign-in kind that Graph puts in signInEventTypes (beta only). */
const CATEGORY_EVENT_TYPE: Record<string, SignInEventType> = {
  SignInLogs: 'interactiveUser',
  NonInteractiveUserSignInLogs: 'nonInteractiveUser',
  ServicePrincipalSignInLogs: 'servicePrincipal',
  MicrosoftServicePrincipalSignInLogs: 'servicePrincipal',
  ManagedIdentitySignInLogs: 'managedIdentity',
};

function looksLikeSignIn(doc: unknown): boolean {
  return isRecord(doc) && 'createdDateTime' in doc && ('userPrincipalName' in doc || 'appId' in doc);
}

function looksLikeDiagnosticRecord(doc: unknown): boolean {
  return isRecord(doc) && typeof doc['category'] === 'string' && isRecord(doc['properties']);
}

function looksLikeEntra(doc: unknown): boolean {
  return looksLikeSignIn(doc) || looksLikeDiagnosticRecord(doc);
}

/** Graph v1.0 has no signInEventTypes and lists interactive sign-ins unless filtered otherwise. */
function inferEventType(s: EntraSignIn): SignInEventType {
  if (text(s.userId) !== '' || text(s.userPrincipalName) !== '') {
    return s.isInteractive === false ? 'nonInteractiveUser' : 'interactiveUser';
  }
  if (s.clientCredentialType === 'managedIdentity') return 'managedIdentity';
  return text(s.servicePrincipalId) !== '' ? 'servicePrincipal' : 'interactiveUser';
}

/** Entra writes "none" where it has nothing to say (public clients, refresh-token sign-ins). */
function known(value: unknown): string {
  const v = text(value);
  return v === 'none' ? '' : v;
}

export function entraRow(s: EntraSignIn, eventType: string, time: string, raw: string): IdpEventRow {
  const workload = eventType === 'servicePrincipal' || eventType === 'managedIdentity';
  const actorType = eventType === 'managedIdentity' ? 'managed_identity' : workload ? 'service_principal' : 'user';
  const userId = text(s.userId);
  const spId = text(s.servicePrincipalId);
  const userName = text(s.userDisplayName);
  const spName = text(s.servicePrincipalName);
  const code = Number(s.status.errorCode);
  const failureReason = text(s.status.failureReason);
  return {
    event_time: time,
    format: FORMAT,
    idp: 'entra',
    event_id: s.id,
    event_type: `signin.${eventType}`,
    actor_id: workload ? spId || userId : userId || spId,
    actor_email: normalizeEmail(s.userPrincipalName),
    actor_type: actorType,
    actor_name: workload ? spName || userName : userName || spName,
    target_user_id: '',
    target_user_email: '',
    app_id: text(s.appId),
    app_name: text(s.appDisplayName),
    outcome: code === 0 ? 'success' : 'failure',
    // The code is the stable part (e.g. 50057 = account disabled); the text is for humans.
    outcome_reason: code === 0 ? '' : failureReason === '' ? String(code) : `${code}: ${failureReason}`,
    session_id: text(s.sessionId) || text(s.correlationId),
    client_ip: text(s.ipAddress),
    user_agent: text(s.userAgent),
    grant_type: known(s.clientCredentialType) || known(s.authenticationProtocol),
    scopes: [],
    client_auth: entraClientAuth(s.clientCredentialType),
    raw,
  };
}

function pushRow(s: EntraSignIn, eventType: string, ctx: DecodeContext, out: DecodeOutput, raw: string): void {
  try {
    const time = eventTime(s.createdDateTime, ctx.maxEventTime);
    out.records.push({ table: 'idp_events', format: FORMAT, row: entraRow(s, eventType, time, raw) });
  } catch (err) {
    out.rejects.push(schemaViolation(FORMAT, timeRejectDetail('createdDateTime', err), raw));
  }
}

function decodeSignIn(doc: unknown, ctx: DecodeContext, out: DecodeOutput): void {
  const raw = redactedJson(doc, ctx.storePromptText);
  const parsed = safeParseFast(entraSignInSchema, doc);
  if (!parsed.success) {
    out.rejects.push(issuesViolation(FORMAT, parsed.error, raw, { max: IDP_LISTED_ISSUES }));
    return;
  }
  pushRow(parsed.data, parsed.data.signInEventTypes?.[0] ?? inferEventType(parsed.data), ctx, out, raw);
}

/** The envelope repeats some signIn fields at record level; they fill gaps in `properties`. */
function signInOfRecord(rec: EntraDiagnosticRecord): Record<string, unknown> {
  const p = rec.properties;
  const resultType = text(rec.resultType);
  const status = p['status'] ?? (/^\d+$/.test(resultType)
    ? { errorCode: Number(resultType), failureReason: rec.resultDescription ?? null }
    : undefined);
  return {
    ...p,
    createdDateTime: text(rec.time) || p['createdDateTime'],
    ipAddress: p['ipAddress'] ?? rec.callerIpAddress,
    correlationId: p['correlationId'] ?? rec.correlationId,
    status,
  };
}

function decodeDiagnosticRecord(doc: unknown, ctx: DecodeContext, out: DecodeOutput): void {
  const raw = redactedJson(doc, ctx.storePromptText);
  const rec = safeParseFast(entraDiagnosticRecordSchema, doc);
  if (!rec.success) {
    out.rejects.push(issuesViolation(FORMAT, rec.error, raw, { max: IDP_LISTED_ISSUES }));
    return;
  }
  const categoryType = CATEGORY_EVENT_TYPE[rec.data.category];
  if (categoryType === undefined) {
    // Diagnostic settings often stream AuditLogs etc. to the same hub; those are not sign-ins.
    const detail = `category: '${rec.data.category}' is not a sign-in category (${Object.keys(CATEGORY_EVENT_TYPE).join(', ')})`;
    out.rejects.push(schemaViolation(FORMAT, detail, raw));
    return;
  }
  const parsed = safeParseFast(entraSignInSchema, signInOfRecord(rec.data));
  if (!parsed.success) {
    out.rejects.push(issuesViolation(FORMAT, parsed.error, raw, { at: 'properties', max: IDP_LISTED_ISSUES }));
    return;
  }
  pushRow(parsed.data, parsed.data.signInEventTypes?.[0] ?? categoryType, ctx, out, raw);
}

function decodeElement(doc: unknown, ctx: DecodeContext, out: DecodeOutput): void {
  if (looksLikeDiagnosticRecord(doc)) decodeDiagnosticRecord(doc, ctx, out);
  else decodeSignIn(doc, ctx, out);
}

function isEnvelope(doc: unknown): doc is { records: unknown[] } {
  return isRecord(doc) && Array.isArray(doc['records']);
}

function isGraphPage(doc: unknown): doc is { value: unknown[] } {
  return isRecord(doc) && Array.isArray(doc['value']) && doc['value'].length > 0 && looksLikeSignIn(doc['value'][0]);
}

export const entraSignInDecoder: FormatDecoder = {
  format: FORMAT,
  source: 'idp',
  matches(doc) {
    if (Array.isArray(doc)) return doc.length > 0 && looksLikeEntra(doc[0]);
    if (isEnvelope(doc)) return doc.records.length === 0 || looksLikeDiagnosticRecord(doc.records[0]);
    return looksLikeEntra(doc) || isGraphPage(doc);
  },
  decode(doc, ctx) {
    const out: DecodeOutput = { records: [], rejects: [] };
    if (Array.isArray(doc)) {
      doc.forEach((element) => decodeElement(element, ctx, out));
    } else if (isEnvelope(doc)) {
      doc.records.forEach((record) => decodeDiagnosticRecord(record, ctx, out));
    } else if (isRecord(doc) && Array.isArray(doc['value'])) {
      doc['value'].forEach((element) => decodeElement(element, ctx, out));
    } else {
      decodeElement(doc, ctx, out);
    }
    return out;
  },
};
