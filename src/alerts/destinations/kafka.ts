import type { Producer } from 'kafkajs';
import { alertPayload } from './payload.ts';
import type { Destination, Notification } from './types.ts';

/**
 * A Kafka topic (default driftwatch.alerts), key = fingerprint: every event of one alert lands in
 * one partition, in order, and consumers dedupe on the key. The producer is owned by the caller
 * (connected and disconnected with the process).
 */
export class KafkaDestination implements Destination {
  readonly type = 'kafka';
  constructor(readonly name: string, private readonly producer: Producer, private readonly topic = 'driftwatch.alerts') {}

  async send(n: Notification, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const sent = this.producer.send({
      topic: this.topic,
      messages: [{ key: n.dedupKey, value: JSON.stringify(alertPayload(n)), headers: { event: n.kind } }],
    });
    // kafkajs takes no AbortSignal: race it so a stuck broker does not hold the dispatcher.
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      sent.then(() => resolve(), reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
