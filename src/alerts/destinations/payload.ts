import type { Notification } from './types.ts';

/** The JSON body generic receivers get (webhook, Splunk event, Kafka value, stdout). */
export function alertPayload(n: Notification): Record<string, unknown> {
  const a = n.alert;
  return {
    event: n.kind,
    dedupKey: n.dedupKey,
    url: n.consoleUrl,
    occurrences: n.occurrences,
    alert: {
      id: a.id, fingerprint: a.fingerprint, detector: a.detector, title: a.title, severity: a.severity, audience: a.audience,
      team: a.team, identity: a.identity, credential: a.credential, entity: a.entity, summary: a.summary,
      windowStart: a.windowStart, windowEnd: a.windowEnd, firstSeen: a.firstSeen, lastSeen: a.lastSeen,
      impactUsd: a.impactUsd, evidence: a.evidence, controls: a.controls, policyVersion: a.policyVersion,
    },
  };
}

/** The top evidence figures as `name: value` lines, for human-facing destinations. */
export function topFigures(n: Notification, max = 6): string[] {
  return Object.entries(n.alert.evidence.figures).slice(0, max).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
}

export function sampleLine(n: Notification, maxChars = 300): string | undefined {
  const first = n.alert.evidence.samples?.[0];
  if (first === undefined) return undefined;
  const s = typeof first === 'string' ? first : JSON.stringify(first);
  return s.length > maxChars ? `${s.slice(0, maxChars)}…` : s;
}
