import type { Config } from '../config/schema.ts';
import type { SourceKind } from '../decode/types.ts';
import { IngestConsumer } from '../ingest/consumer.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Role } from './role.ts';

/**
 * The Kafka consumers as a role (`driftwatch ingest` and `run --role ingest`). Any number of
 * replicas can run it: they share the consumer group. stop() stops fetching, flushes and commits.
 */
export function ingestRole(deps: { config: Config; store: Store; log: Logger; sources?: readonly SourceKind[] }): Role {
  const consumer = new IngestConsumer(deps);
  let started = false;
  return {
    name: 'ingest',
    failed: consumer.failed,
    start: async () => {
      await consumer.start();
      started = true;
    },
    stop: () => consumer.stop(),
    ready: () => {
      const { assignedPartitions, storeOutage } = consumer;
      // A member with no partitions (more replicas than partitions) is healthy but idle. One whose
      // partitions wait for the store is alive (it resumes by itself) but not ready: /readyz says so.
      return {
        ok: started && storeOutage.waitingPartitions === 0,
        detail: { assignedPartitions, groupId: deps.config.kafka.groupId, storeOutage, ...consumer.stats },
      };
    },
  };
}
