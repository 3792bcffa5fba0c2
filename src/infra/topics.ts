import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from '../telemetry/logger.ts';
import { kafkaLogCreator } from './kafka-log.ts';
import type { KafkaSecurity } from './kafka-security.ts';

/** Creates the topics that do not exist yet, with `partitions` partitions each. */
export async function ensureTopics(brokers: string[], topics: string[], partitions: number, log?: Logger, security: KafkaSecurity = {}): Promise<void> {
  const kafka = new Kafka({ clientId: 'driftwatch-admin', brokers, ...security, logLevel: logLevel.WARN, ...(log ? { logCreator: kafkaLogCreator(log) } : {}) });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })) });
      log?.info({ topics: missing, partitions }, 'Created topics');
    }
  } finally {
    await admin.disconnect();
  }
}
