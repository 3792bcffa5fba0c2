import { z } from 'zod';
import { under, type RawFields } from './raw-fields.ts';

/**
 * Microsoft Entra ID sign-ins (formats.md §7): the Graph `signIn` resource, and the Azure Monitor
 * diagnostic-settings envelope (Event Hub / storage export) whose records carry the same camelCase
 * signIn fields under `properties`. Only the fields driftwatch maps are validated.
 */

const optText = z.string().nullish();
// errorCode is an int in Graph; exporters that stringify numbers send it as digits.
const errorCode = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]);

export const entraSignInSchema = z.looseObject({
  id: z.string().min(1),
  createdDateTime: z.string().min(1),
  userPrincipalName: optText,
  userId: optText,
  userDisplayName: optText,
  appId: optText,
  appDisplayName: optText,
  servicePrincipalId: optText,
  servicePrincipalName: optText,
  clientCredentialType: optText,
  authenticationProtocol: optText,
  ipAddress: optText,
  userAgent: optText,
  sessionId: optText,
  correlationId: optText,
  isInteractive: z.boolean().nullish(),
  signInEventTypes: z.array(z.string()).nullish(),
  status: z.looseObject({ errorCode, failureReason: optText }),
});
export type EntraSignIn = z.infer<typeof entraSignInSchema>;

/**
 * One record of the diagnostic envelope. `time` and `callerIpAddress` duplicate signIn fields;
 * they are fallbacks when `properties` omits them, so `properties` is validated leniently here
 * and completed before it is checked against entraSignInSchema.
 */
export const entraDiagnosticRecordSchema = z.looseObject({
  time: optText,
  category: z.string().min(1),
  callerIpAddress: optText,
  correlationId: optText,
  resultType: optText,
  resultDescription: optText,
  properties: z.record(z.string(), z.unknown()),
});
export type EntraDiagnosticRecord = z.infer<typeof entraDiagnosticRecordSchema>;

const SIGN_IN_FIELDS = [
  'id', 'createdDateTime', 'userDisplayName', 'userPrincipalName', 'userId', 'userType', 'signInIdentifier', 'signInIdentifierType',
  'appId', 'appDisplayName', 'resourceDisplayName', 'resourceId', 'resourceTenantId', 'homeTenantId', 'ipAddress', 'clientAppUsed',
  'isInteractive', 'signInEventTypes', 'servicePrincipalId', 'servicePrincipalName', 'servicePrincipalCredentialKeyId',
  'clientCredentialType', 'managedIdentityType', 'authenticationProtocol', 'authenticationRequirement', 'conditionalAccessStatus',
  'correlationId', 'sessionId', 'incomingTokenType', 'tokenIssuerType', 'tokenIssuerName', 'userAgent', 'crossTenantAccessType',
  'riskLevelAggregated', 'riskLevelDuringSignIn', 'riskState', 'riskDetail', 'riskEventTypes', 'riskEventTypes_v2', 'flaggedForReview',
  'status.errorCode', 'status.failureReason', 'status.additionalDetails',
  'deviceDetail.deviceId', 'deviceDetail.displayName', 'deviceDetail.operatingSystem', 'deviceDetail.browser',
  'deviceDetail.isCompliant', 'deviceDetail.isManaged', 'deviceDetail.trustType',
  'location.city', 'location.state', 'location.countryOrRegion', 'location.geoCoordinates.latitude',
  'location.geoCoordinates.longitude', 'location.geoCoordinates.altitude', 'mfaDetail.authMethod', 'mfaDetail.authDetail',
  'appliedConditionalAccessPolicies.id', 'appliedConditionalAccessPolicies.displayName', 'appliedConditionalAccessPolicies.result',
  'appliedConditionalAccessPolicies.enforcedGrantControls', 'appliedConditionalAccessPolicies.enforcedSessionControls',
  'authenticationDetails.authenticationMethod', 'authenticationDetails.succeeded', 'authenticationDetails.authenticationStepDateTime',
  'authenticationDetails.authenticationStepRequirement', 'authenticationDetails.authenticationStepResultDetail',
  'networkLocationDetails.networkType', 'networkLocationDetails.networkNames',
];
/** The diagnostic-settings record around `properties` (Azure Monitor's common schema). */
const DIAGNOSTIC_FIELDS = [
  'time', 'resourceId', 'operationName', 'operationVersion', 'category', 'tenantId', 'resultType', 'resultSignature',
  'resultDescription', 'durationMs', 'callerIpAddress', 'correlationId', 'identity', 'Level', 'location',
];

/** What `raw` keeps of a sign-in (§7): the Graph object, a diagnostic record, or a page a reject keeps whole. */
export const ENTRA_SIGN_IN_RAW: RawFields = {
  keep: [
    ...SIGN_IN_FIELDS, ...DIAGNOSTIC_FIELDS, ...under('properties', SIGN_IN_FIELDS),
    ...under('value', SIGN_IN_FIELDS), ...under('records', DIAGNOSTIC_FIELDS), ...under('records.properties', SIGN_IN_FIELDS),
  ],
};
