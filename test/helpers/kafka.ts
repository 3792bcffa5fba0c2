import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '../../src/infra/topics.ts';
import { withProducer } from '../../src/ingest/produce.ts';
import type { Config } from '../../src/config/schema.ts';
import { IngestConsumer } from '../../src/ingest/consumer.ts';
import type { Store } from '../../src/store/store.ts';
import type { Logger } from '../../src/telemetry/logger.ts';
import { waitFor } from './env.ts';

export interface TestMessage {
  value: Buffer | null;
  partition?: number;
}

export async function createTopics(config: Config, partitions = 3): Promise<void> {
  await ensureTopics(config.kafka.brokers, Object.values(config.kafka.topics), partitions);
}

/** Produces messages to one topic; without an explicit partition, round-robin over `partitions`. */
export async function produce(config: Config, topic: string, messages: TestMessage[], partitions = 3): Promise<void> {
  await withProducer(config.kafka.brokers, async (producer) => {
    for (let i = 0; i < messages.length; i += 1000) {
      await producer.send({
        topic,
        acks: -1,
        messages: messages.slice(i, i + 1000).map((m, j) => ({ value: m.value, partition: m.partition ?? (i + j) % partitions })),
      });
    }
  });
}

/**
 * Runs an admin look-up again while the broker refuses it with a retriable error: just after
 * topics are created or a broker restarts, a partition can briefly have no leader ("This server
 * is not the leader for that topic-partition"), and kafkajs's admin does not retry a refused
 * ListOffsets. Anything else, or the same error past `timeoutMs`, is thrown.
 */
export async function whileRetriable<T>(lookUp: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await lookUp();
    } catch (err) {
      const { retriable, name } = err as { retriable?: boolean; name?: string };
      if (!(retriable === true || name === 'KafkaJSConnectionError' || name === 'KafkaJSNumberOfRetriesExceeded') || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Sum of committed offsets of a group over a topic, and the sum of the topic's end offsets. */
export function groupProgress(config: Config, topic: string): Promise<{ committed: number; end: number }> {
  return whileRetriable(() => lookUpGroupProgress(config, topic));
}

async function lookUpGroupProgress(config: Config, topic: string): Promise<{ committed: number; end: number }> {
  const kafka = new Kafka({ clientId: 'driftwatch-test-admin', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: config.kafka.groupId, topics: [topic] });
    const committed = (offsets?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
    const end = (await admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0);
    return { committed, end };
  } finally {
    await admin.disconnect();
  }
}

/** Runs an IngestConsumer until the group has committed every offset of the four topics, then stops it; returns its counters. */
export async function consumeAll(config: Config, store: Store, log: Logger, timeoutMs = 120_000): Promise<IngestConsumer['stats']> {
  const consumer = new IngestConsumer({ config, store, log });
  await consumer.start();
  try {
    await waitFor(async () => {
      for (const topic of Object.values(config.kafka.topics)) {
        const { committed, end } = await groupProgress(config, topic);
        if (committed < end) return false;
      }
      return true;
    }, timeoutMs, 'every offset of the four topics committed');
  } finally {
    await consumer.stop();
  }
  return consumer.stats;
}
