import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from '../telemetry/logger.ts';
import { kafkaLogCreator } from './kafka-log.ts';
import type { KafkaSecurity } from './kafka-security.ts';

type Admin = ReturnType<Kafka['admin']>;

/**
 * Waits until every partition of the new topics has a leader. kafkajs' own wait (waitForLeaders)
 * retries only LEADER_NOT_AVAILABLE, while a KRaft broker can answer UNKNOWN_TOPIC_OR_PARTITION
 * ("This server does not host this topic-partition") for a moment after creating a topic; seen
 * on Kafka 4.4 as a failed test set-up. Both mean "not yet", so both are retried here.
 */
async function untilLeadersElected(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.length === topics.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      const type = (err as { type?: string }).type;
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Creates the topics that do not exist yet, with `partitions` partitions each. */
export async function ensureTopics(brokers: string[], topics: string[], partitions: number, log?: Logger, security: KafkaSecurity = {}): Promise<void> {
  const kafka = new Kafka({ clientId: 'driftwatch-admin', brokers, ...security, logLevel: logLevel.WARN, ...(log ? { logCreator: kafkaLogCreator(log) } : {}) });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: false, topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })) });
      await untilLeadersElected(admin, missing);
      log?.info({ topics: missing, partitions }, 'Created topics');
    }
  } finally {
    await admin.disconnect();
  }
}
