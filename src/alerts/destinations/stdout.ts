import { alertPayload } from './payload.ts';
import type { Destination, Notification } from './types.ts';

/** One JSON line per event on a stream (stdout by default): for pipes and local runs. */
export class StdoutDestination implements Destination {
  readonly type = 'stdout';
  constructor(readonly name: string, private readonly out: { write(s: string): unknown } = process.stdout) {}

  async send(n: Notification): Promise<void> {
    this.out.write(`${JSON.stringify(alertPayload(n))}\n`);
  }
}
