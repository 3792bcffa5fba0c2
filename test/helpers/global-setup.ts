import type { TestProject } from 'vitest/node';
import { resolveBroker, type ResolvedBroker } from '../../src/infra/kafka-broker.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { startDockerKafka } from './docker-kafka.ts';

/**
 * One Kafka broker for the whole test run: KAFKA_BROKERS if set, else Docker through
 * testcontainers, else a local KRaft broker from Maven Central jars. Workers are forked after
 * this runs and inherit KAFKA_BROKERS. ClickHouse needs no set-up: CLICKHOUSE_URL, else each test
 * process opens its own embedded chdb data directory.
 */
let broker: ResolvedBroker | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (process.env['DRIFTWATCH_SKIP_BROKER'] === '1') return;
  const log = createLogger(process.env['LOG_LEVEL'] ?? 'warn');
  broker = await resolveBroker(log, process.env, { startContainer: startDockerKafka });
  process.env['KAFKA_BROKERS'] = broker.brokers.join(',');
  project.provide('kafkaBrokers', broker.brokers.join(','));
  process.stderr.write(`test broker: ${broker.brokers.join(',')} (${broker.origin})\n`);
}

export async function teardown(): Promise<void> {
  await broker?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}
