import type { Producer } from 'kafkajs';
import type { AlertsConfig, DestinationConfig } from '../../config/schema.ts';
import { AppError } from '../../errors.ts';
import { readSecret } from '../secrets.ts';
import { KafkaDestination } from './kafka.ts';
import { PAGERDUTY_EVENTS_URL, PagerDutyDestination } from './pagerduty.ts';
import { SlackDestination } from './slack.ts';
import { SplunkHecDestination } from './splunk-hec.ts';
import { StdoutDestination } from './stdout.ts';
import type { Destination } from './types.ts';
import { WebhookDestination } from './webhook.ts';

export type { Destination, Notification } from './types.ts';

export interface DestinationDeps {
  env?: NodeJS.ProcessEnv;
  /** Needed only when a kafka destination is configured. */
  producer?: Producer;
  stdout?: { write(s: string): unknown };
}

/** Builds the configured destinations, reading their secrets (env or file) once. */
export function buildDestinations(config: Pick<AlertsConfig, 'destinations'>, deps: DestinationDeps = {}): Destination[] {
  const env = deps.env ?? process.env;
  return config.destinations.map((d) => buildOne(d, env, deps));
}

function buildOne(d: DestinationConfig, env: NodeJS.ProcessEnv, deps: DestinationDeps): Destination {
  const what = `alerts.destinations.${d.name}`;
  const url = d.url ?? readSecret({ fromEnv: d.urlFromEnv, file: d.urlFile }, env, `${what} url`);
  const secret = readSecret({ fromEnv: d.secretFromEnv, file: d.secretFile }, env, `${what} secret`);
  const need = (v: string | undefined, field: string): string => {
    if (v === undefined) throw new AppError('CONFIG_INVALID', `${what}: ${field} is required for type ${d.type}`);
    return v;
  };
  switch (d.type) {
    case 'webhook': return new WebhookDestination(d.name, need(url, 'url'), need(secret, 'secret'));
    case 'slack': return new SlackDestination(d.name, need(url, 'url'));
    case 'pagerduty': return new PagerDutyDestination(d.name, need(secret, 'routing key (secret)'), url ?? PAGERDUTY_EVENTS_URL);
    case 'splunk_hec': return new SplunkHecDestination(d.name, need(url, 'url'), need(secret, 'token (secret)'), d.host, d.index);
    case 'kafka': {
      if (!deps.producer) throw new AppError('CONFIG_INVALID', `${what}: a kafka destination needs a Kafka producer`);
      return new KafkaDestination(d.name, deps.producer, d.topic);
    }
    case 'stdout': return new StdoutDestination(d.name, deps.stdout);
  }
}
