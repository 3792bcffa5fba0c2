import { Command, Option } from 'commander';
import { cliContext, openMigratedStore, untilSignal } from '../context.ts';
import { IngestConsumer } from '../../ingest/consumer.ts';
import { resolveBroker } from '../../infra/kafka-broker.ts';
import { ensureTopics } from '../../infra/topics.ts';
import { SOURCE_KINDS, type SourceKind } from '../../decode/types.ts';
import { AppError } from '../../errors.ts';

export function ingestCommand(): Command {
  return new Command('ingest')
    .description('Consume the four source topics into ClickHouse until stopped (SIGTERM flushes and commits).')
    .option('--local', 'without KAFKA_BROKERS: start a local single-node Kafka (Docker or Maven Central jars) and create the topics')
    .addOption(new Option('--source <source...>', 'consume only these sources').choices([...SOURCE_KINDS]))
    .option('--partitions <n>', 'partitions per topic when --local creates them', (v) => Number(v), 3)
    .action(async (opts: { local?: boolean; source?: SourceKind[]; partitions: number }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const { config, log } = ctx;
      let stopBroker = async () => {};
      if (opts.local) {
        const broker = await resolveBroker(log);
        stopBroker = broker.stop;
        config.kafka.brokers = broker.brokers;
        await ensureTopics(broker.brokers, Object.values(config.kafka.topics), opts.partitions, log);
        log.info({ brokers: broker.brokers, origin: broker.origin, topics: config.kafka.topics }, 'Local broker ready; produce with `driftwatch produce` and KAFKA_BROKERS set to it');
      }
      const store = await openMigratedStore(ctx);
      const consumer = new IngestConsumer({ config, store, log, ...(opts.source ? { sources: opts.source } : {}) });
      await consumer.start();
      const shutdown = async () => {
        await consumer.stop();
        await store.close();
        await stopBroker();
      };
      const outcome = await Promise.race([untilSignal(shutdown, log).then(() => undefined), consumer.failed]);
      if (outcome instanceof Error) {
        // Nothing uncommitted is lost: what was not committed is consumed again on restart.
        await shutdown().catch(() => undefined);
        throw new AppError('INGEST_STOPPED', `ingest stopped: ${outcome.message}`, {}, true, { cause: outcome });
      }
    });
}
