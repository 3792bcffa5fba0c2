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

export interface ResolveOptions {
  /**
   * A broker in a container, tried before the local jars. Only the test set-up passes one
   * (test/helpers/docker-kafka.ts): testcontainers is a devDependency, and production code must
   * run after `npm ci --omit=dev`.
   */
  startContainer?: (log?: Logger) => Promise<ResolvedBroker | undefined>;
}

/**
 * A Kafka broker for tests and `--local` runs, in this order: KAFKA_BROKERS → a container when the
 * caller offers one (tests only) → a single-node KRaft broker from Maven Central jars
 * (DRIFTWATCH_KAFKA_VERSION, default a current 4.x; Java 17) → an error that says what to install.
 */
export async function resolveBroker(log?: Logger, env = process.env, opts: ResolveOptions = {}): Promise<ResolvedBroker> {
  const fromEnv = env['KAFKA_BROKERS'];
  if (fromEnv) {
    return { brokers: fromEnv.split(',').map((s) => s.trim()).filter(Boolean), origin: 'env', stop: async () => {} };
  }
  const container = await opts.startContainer?.(log);
  if (container) return container;
  const local = await startLocalKafka(log ? { log } : {});
  log?.info({ brokers: local.brokers, version: kafkaVersion() }, 'Using local Kafka broker from Maven Central jars');
  return { brokers: local.brokers, origin: 'local-jars', pid: local.pid, stop: local.stop };
}
