import { Kafka, logLevel as KafkaLogLevel, type Consumer } from 'kafkajs';
import type { Config } from '../config/schema.ts';
import { kafkaLogCreator } from '../infra/kafka-log.ts';
import { kafkaSecurity } from '../infra/kafka-security.ts';
import type { Logger } from '../telemetry/logger.ts';

/**
 * The kafkajs consumer ingest reads with: the config's brokers, security and group, kafkajs's own
 * logs through ours. Fetches are sized for throughput (4 MiB a partition, 32 MiB a fetch) and
 * short waits (250 ms), so a quiet topic still flushes on the batch-age timer.
 */
export function createIngestKafkaConsumer(config: Config, log: Logger): Consumer {
  const kafka = new Kafka({
    clientId: config.kafka.clientId,
    brokers: config.kafka.brokers,
    ...kafkaSecurity(config.kafka),
    logLevel: KafkaLogLevel.WARN,
    logCreator: kafkaLogCreator(log),
    retry: { retries: 10, initialRetryTime: 200 },
  });
  return kafka.consumer({
    groupId: config.kafka.groupId,
    sessionTimeout: config.kafka.sessionTimeoutMs,
    heartbeatInterval: Math.min(3_000, Math.floor(config.kafka.sessionTimeoutMs / 3)),
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
    maxWaitTimeInMs: 250,
  });
}
