import { Kafka, logLevel, CompressionTypes, type Producer } from 'kafkajs';
import type { Logger } from '../telemetry/logger.ts';
import { kafkaLogCreator } from '../infra/kafka-log.ts';
import type { KafkaSecurity } from '../infra/kafka-security.ts';
import { readRecords } from './record-files.ts';

export interface ProduceOptions {
  brokers: string[];
  topic: string;
  files: string[];
  log?: Logger;
  /** Messages per send() call. */
  chunk?: number;
  security?: KafkaSecurity;
}

export async function withProducer<T>(brokers: string[], fn: (p: Producer) => Promise<T>, log?: Logger, security: KafkaSecurity = {}): Promise<T> {
  const kafka = new Kafka({ clientId: 'driftwatch-producer', brokers, ...security, logLevel: logLevel.WARN, ...(log ? { logCreator: kafkaLogCreator(log) } : {}) });
  // Idempotent: kafkajs retries a whole request when one partition's leader is not ready yet
  // (e.g. just after topic creation); without producer ids the partitions that did succeed would
  // get the messages twice.
  const producer = kafka.producer({ allowAutoTopicCreation: true, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    return await fn(producer);
  } finally {
    await producer.disconnect();
  }
}

/** Publishes each record of the files (NDJSON line or whole document) as one message. */
export async function produceFiles(options: ProduceOptions): Promise<number> {
  const chunk = options.chunk ?? 1000;
  return withProducer(options.brokers, async (producer) => {
    let pending: { value: Buffer }[] = [];
    let sent = 0;
    const send = async () => {
      if (pending.length === 0) return;
      await producer.send({ topic: options.topic, messages: pending, acks: -1, compression: CompressionTypes.None });
      sent += pending.length;
      pending = [];
    };
    for (const file of options.files) {
      for await (const rec of readRecords(file)) {
        pending.push({ value: rec.value });
        if (pending.length >= chunk) await send();
      }
    }
    await send();
    options.log?.info({ topic: options.topic, messages: sent }, 'Produced records');
    return sent;
  }, options.log, options.security);
}
