import { existsSync } from 'node:fs';
import type { ResolvedBroker } from '../../src/infra/kafka-broker.ts';
import type { Logger } from '../../src/telemetry/logger.ts';

function dockerAvailable(): boolean {
  if (process.env['DRIFTWATCH_NO_DOCKER'] === '1') return false;
  return Boolean(process.env['DOCKER_HOST']) || existsSync('/var/run/docker.sock');
}

/**
 * Kafka in Docker through testcontainers (a devDependency, so this lives in test code), or
 * undefined when no Docker engine answers and the caller falls back to the local jars.
 */
export async function startDockerKafka(log?: Logger): Promise<ResolvedBroker | undefined> {
  if (!dockerAvailable()) return undefined;
  try {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const container = await new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start();
    const brokers = [`${container.getHost()}:${container.getMappedPort(9093)}`];
    log?.info({ brokers }, 'Kafka started in Docker through testcontainers');
    return { brokers, origin: 'testcontainers', stop: async () => void (await container.stop()) };
  } catch (err) {
    log?.warn({ err: (err as Error).message }, 'Docker did not answer; falling back to the local Kafka jars');
    return undefined;
  }
}
