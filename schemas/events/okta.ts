import { z } from 'zod';
import { under, type RawFields } from './raw-fields.ts';

/**
 * Okta System Log `LogEvent` (formats.md §6). Only the fields driftwatch maps are validated;
 * everything else passes through (looseObject); `raw` keeps what OKTA_LOG_EVENT_RAW names. Okta sends `null`
 * for absent members, so optional members are `nullish`.
 */

const optText = z.string().nullish();

export const oktaActorSchema = z.looseObject({
  id: z.string(),
  type: optText,
  alternateId: optText,
  displayName: optText,
});

export const oktaTargetSchema = z.looseObject({
  id: optText,
  type: optText,
  alternateId: optText,
  displayName: optText,
});

export const oktaLogEventSchema = z.looseObject({
  uuid: z.string().min(1),
  published: z.string().min(1),
  eventType: z.string().min(1),
  actor: oktaActorSchema,
  client: z
    .looseObject({
      id: optText,
      ipAddress: optText,
      userAgent: z.looseObject({ rawUserAgent: optText }).nullish(),
    })
    .nullish(),
  outcome: z.looseObject({ result: optText, reason: optText }).nullish(),
  target: z.array(oktaTargetSchema).nullish(),
  authenticationContext: z.looseObject({ externalSessionId: optText, credentialType: optText }).nullish(),
  // Okta says debugData keys are not a stable contract, so values are not constrained here.
  debugContext: z.looseObject({ debugData: z.record(z.string(), z.unknown()).nullish() }).nullish(),
});
export type OktaLogEvent = z.infer<typeof oktaLogEventSchema>;

/** Event Hook delivery wraps a batch of LogEvents: `{eventType: 'com.okta.event_hook', data: {events}}`. */
export const oktaEventHookSchema = z.looseObject({
  eventType: z.literal('com.okta.event_hook'),
  data: z.looseObject({ events: z.array(z.unknown()) }),
});

const GEO = ['city', 'state', 'country', 'postalCode', 'geolocation.lat', 'geolocation.lon'];
const OKTA_EVENT_FIELDS = [
  'uuid', 'published', 'eventType', 'version', 'severity', 'legacyEventType', 'displayMessage',
  'actor.id', 'actor.type', 'actor.alternateId', 'actor.displayName',
  'client.id', 'client.ipAddress', 'client.zone', 'client.device', 'client.userAgent.rawUserAgent', 'client.userAgent.os',
  'client.userAgent.browser', ...under('client.geographicalContext', GEO),
  'device.id', 'device.name', 'device.os_platform', 'device.os_version', 'device.managed', 'device.registered',
  'device.device_integrator', 'device.disk_encryption_type', 'device.jailbreak', 'device.secure_hardware_present',
  'device.screen_lock_type', 'outcome.result', 'outcome.reason',
  'target.id', 'target.type', 'target.alternateId', 'target.displayName',
  'transaction.type', 'transaction.id', 'transaction.detail.requestApiTokenId',
  'authenticationContext.authenticationProvider', 'authenticationContext.credentialProvider',
  'authenticationContext.credentialType', 'authenticationContext.issuer.id', 'authenticationContext.issuer.type',
  'authenticationContext.externalSessionId', 'authenticationContext.interface', 'authenticationContext.authenticationStep',
  'authenticationContext.rootSessionId',
  'securityContext.asNumber', 'securityContext.asOrg', 'securityContext.isp', 'securityContext.domain', 'securityContext.isProxy',
  'request.ipChain.ip', 'request.ipChain.version', 'request.ipChain.source', ...under('request.ipChain.geographicalContext', GEO),
];
// debugData and detailEntry are free-form (Okta: "not a stable contract"): the keys seen on
// grants and sign-ins keep their value, any other is free to carry anything.
const DEBUG_DATA_KEYS = [
  'grantType', 'requestedScopes', 'grantedScopes', 'authorizationServerName', 'requestId', 'requestUri', 'url', 'clientAuthType',
  'threatSuspected', 'risk', 'behaviors', 'dtHash', 'authnRequestId', 'appname', 'deviceFingerprint', 'logOnlySecurityData',
];
const DETAIL_ENTRY_KEYS = ['expires', 'subject', 'methodTypeUsed', 'methodUsedVerifiedProperties', 'signOnModeType', 'policyType'];

/** What `raw` keeps of a LogEvent (§6), on its own or inside an Event Hook delivery (`data.events`). */
export const OKTA_LOG_EVENT_RAW: RawFields = {
  keep: [
    ...OKTA_EVENT_FIELDS, ...under('data.events', OKTA_EVENT_FIELDS),
    'eventType', 'eventTypeVersion', 'cloudEventsVersion', 'source', 'eventId', 'eventTime', 'contentType',
  ],
  names: {
    'debugContext.debugData': { keep: DEBUG_DATA_KEYS },
    'data.events.debugContext.debugData': { keep: DEBUG_DATA_KEYS },
    'target.detailEntry': { keep: DETAIL_ENTRY_KEYS },
    'data.events.target.detailEntry': { keep: DETAIL_ENTRY_KEYS },
  },
};
