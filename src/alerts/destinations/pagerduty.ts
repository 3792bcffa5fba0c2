import { post } from './http.ts';
import type { Destination, Notification } from './types.ts';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** driftwatch severities → the four PagerDuty knows. */
const SEVERITY = { critical: 'critical', high: 'error', medium: 'warning', low: 'info', info: 'info' } as const;

/**
 * PagerDuty Events API v2. dedup_key = fingerprint: PagerDuty folds redeliveries into one
 * incident, and the resolve event closes exactly that incident.
 */
export function pagerDutyEvent(n: Notification, routingKey: string): Record<string, unknown> {
  const a = n.alert;
  if (n.kind === 'resolve') return { routing_key: routingKey, event_action: 'resolve', dedup_key: n.dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: n.dedupKey,
    payload: {
      summary: `${a.title}: ${a.summary}`.slice(0, 1024),
      source: `driftwatch/${a.detector}`,
      severity: SEVERITY[a.severity],
      timestamp: a.firstSeen,
      component: a.entity,
      group: a.team || undefined,
      class: a.detector,
      custom_details: {
        identity: a.identity, team: a.team, credential: a.credential, impact_usd: a.impactUsd, occurrences: n.occurrences,
        window: `${a.windowStart}/${a.windowEnd}`, figures: a.evidence.figures, samples: a.evidence.samples?.slice(0, 3) ?? [],
      },
    },
    links: [{ href: n.consoleUrl, text: 'Alert in driftwatch' }],
  };
}

export class PagerDutyDestination implements Destination {
  readonly type = 'pagerduty';
  constructor(readonly name: string, private readonly routingKey: string, private readonly url: string = PAGERDUTY_EVENTS_URL) {}

  async send(n: Notification, signal: AbortSignal): Promise<void> {
    await post(this.name, this.url, JSON.stringify(pagerDutyEvent(n, this.routingKey)), {}, signal);
  }
}
