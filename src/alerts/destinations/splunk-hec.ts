import { post } from './http.ts';
import { alertPayload } from './payload.ts';
import type { Destination, Notification } from './types.ts';

/** Splunk HTTP Event Collector: its JSON envelope and `Authorization: Splunk <token>`. */
export function splunkEnvelope(n: Notification, host: string, index?: string): Record<string, unknown> {
  return {
    time: n.sentAt.getTime() / 1000,
    host,
    source: 'driftwatch',
    sourcetype: 'driftwatch:alert',
    ...(index ? { index } : {}),
    event: alertPayload(n),
  };
}

export class SplunkHecDestination implements Destination {
  readonly type = 'splunk_hec';
  constructor(readonly name: string, private readonly url: string, private readonly token: string, private readonly host = 'driftwatch', private readonly index?: string) {}

  async send(n: Notification, signal: AbortSignal): Promise<void> {
    await post(this.name, this.url, JSON.stringify(splunkEnvelope(n, this.host, this.index)), { authorization: `Splunk ${this.token}` }, signal);
  }
}
