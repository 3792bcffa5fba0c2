import { createHmac } from 'node:crypto';
import { post } from './http.ts';
import { alertPayload } from './payload.ts';
import type { Destination, Notification } from './types.ts';

/**
 * Generic JSON webhook (also how Elastic and Sentinel take alerts). Signed like Stripe's webhooks:
 * `X-Driftwatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, so a receiver
 * can reject forged bodies and, by checking t, replays.
 */
export function signature(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

export class WebhookDestination implements Destination {
  readonly type = 'webhook';
  constructor(readonly name: string, private readonly url: string, private readonly secret: string) {}

  async send(n: Notification, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(alertPayload(n));
    const t = Math.floor(n.sentAt.getTime() / 1000);
    await post(this.name, this.url, body, { 'x-driftwatch-signature': signature(this.secret, body, t), 'idempotency-key': `${n.dedupKey}:${n.kind}` }, signal);
  }
}
