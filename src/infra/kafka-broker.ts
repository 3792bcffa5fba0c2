import { existsSync } from 'node:fs';
import type { Logger } from '../telemetry/logger.ts';
import { kafkaVersion, startLocalKafka } from './local-kafka.ts';

export interface ResolvedBroker {
  brokers: string[];
  /** Where the broker came from, for logs and test output. */
  origin: 'env' | 'testcontainers' | 'local-jars';
  /** The broker's process on this machine, when we started it (bench:ingest reports its CPU). */
  pid?: number;
  stop(): Promise<void>;
}

function dockerAvailable(): boolean {
  const host = process.env['DOCKER_HOST'];
  if (host) return true;
  return existsSync('/var/run/docker.sock');
}

async function startContainer(log?: Logger): Promise<ResolvedBroker> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const container = await new KafkaContainer(`confluentinc/cp-kafka:7.9.0`).withKraft().start();
  const brokers = [`${container.getHost()}:${container.getMappedPort(9093)}`];
  log?.info({ brokers }, 'Kafka started in Docker through testcontainers');
  return { brokers, origin: 'testcontainers', stop: async () => void (await container.stop()) };
}

/**
 * A Kafka broker for tests and `--local` runs, in this order: KAFKA_BROKERS → Docker through
 * testcontainers when a Docker engine answers → a single-node KRaft broker from Maven Central jars
 * (DRIFTWATCH_KAFKA_VERSION, default a current 4.x; Java 17) → an error that says what to install.
 */
export async function resolveBroker(log?: Logger, env = process.env): Promise<ResolvedBroker> {
  const fromEnv = env['KAFKA_BROKERS'];
  if (fromEnv) {
    return { brokers: fromEnv.split(',').map((s) => s.trim()).filter(Boolean), origin: 'env', stop: async () => {} };
  }
  if (dockerAvailable() && env['DRIFTWATCH_NO_DOCKER'] !== '1') {
    try {
      return await startContainer(log);
    } catch (err) {
      log?.warn({ err: (err as Error).message }, 'Docker did not answer; falling back to the local Kafka jars');
    }
  }
  const local = await startLocalKafka(log ? { log } : {});
  log?.info({ brokers: local.brokers, version: kafkaVersion() }, 'Using local Kafka broker from Maven Central jars');
  return { brokers: local.brokers, origin: 'local-jars', pid: local.pid, stop: local.stop };
}
