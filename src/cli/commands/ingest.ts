import { Command, Option } from 'commander';
import { cliContext, exitStoppedService, keepAliveUntil, openMigratedStore, untilSignal } from '../context.ts';
import { useLocalBroker } from '../../infra/local-broker.ts';
import { ingestRole } from '../../service/ingest-role.ts';
import { SOURCE_KINDS, type SourceKind } from '../../decode/types.ts';
import { AppError } from '../../errors.ts';

export function ingestCommand(): Command {
  return new Command('ingest')
    .description('Consume the four source topics into ClickHouse until stopped (SIGTERM flushes and commits). Same as `run --role ingest`.')
    .option('--local', 'without KAFKA_BROKERS: start a local single-node Kafka (Docker or Maven Central jars) and create the topics')
    .addOption(new Option('--source <source...>', 'consume only these sources').choices([...SOURCE_KINDS]))
    .option('--partitions <n>', 'partitions per topic when --local creates them', (v) => Number(v), 3)
    .action(async (opts: { local?: boolean; source?: SourceKind[]; partitions: number }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const { config, log } = ctx;
      const stopBroker = opts.local ? await useLocalBroker(config, opts.partitions, log) : async () => {};
      const store = await openMigratedStore(ctx);
      const role = ingestRole({ config, store, log, ...(opts.source ? { sources: opts.source } : {}) });
      await role.start();
      const shutdown = async () => {
        await role.stop();
        await store.close();
        await stopBroker();
      };
      const outcome = await keepAliveUntil(Promise.race([untilSignal(shutdown, log).then(() => undefined), role.failed]));
      if (outcome instanceof Error) {
        // Nothing uncommitted is lost: what was not committed is consumed again on restart.
        await shutdown().catch(() => undefined);
        throw new AppError('INGEST_STOPPED', `ingest stopped: ${outcome.message}`, {}, true, { cause: outcome });
      }
      exitStoppedService();
    });
}
