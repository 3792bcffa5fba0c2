import { z } from 'zod';

/**
 * Okta System Log `LogEvent` (formats.md §6). Only the fields driftwatch maps are validated;
 * everything else passes through (looseObject) into the redacted raw record. Okta sends `null`
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
