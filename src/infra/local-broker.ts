import type { Config } from '../config/schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { resolveBroker } from './kafka-broker.ts';
import { ensureTopics } from './topics.ts';

/**
 * `--local` for ingest and run: without KAFKA_BROKERS, a broker (Maven Central jars) with
 * the four topics; points `config.kafka.brokers` at it and returns how to stop it.
 */
export async function useLocalBroker(config: Config, partitions: number, log: Logger): Promise<() => Promise<void>> {
  const broker = await resolveBroker(log);
  config.kafka.brokers = broker.brokers;
  await ensureTopics(broker.brokers, Object.values(config.kafka.topics), partitions, log);
  log.info({ brokers: broker.brokers, origin: broker.origin, topics: config.kafka.topics }, 'Local broker ready; produce with `driftwatch produce` and KAFKA_BROKERS set to it');
  return broker.stop;
}
