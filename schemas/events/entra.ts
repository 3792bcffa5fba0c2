import { z } from 'zod';

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
