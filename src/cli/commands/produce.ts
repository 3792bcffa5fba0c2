import { Command, Option } from 'commander';
import { cliContext } from '../context.ts';
import { produceFiles } from '../../ingest/produce.ts';
import { kafkaSecurity } from '../../infra/kafka-security.ts';
import { SOURCE_KINDS, type SourceKind } from '../../decode/types.ts';

export function produceCommand(): Command {
  return new Command('produce')
    .description("Publish each record of the files (NDJSON line or whole document) to the source's topic.")
    .addOption(new Option('--source <source>', 'which source topic').choices([...SOURCE_KINDS]).makeOptionMandatory())
    .argument('<file...>', 'NDJSON or JSON files')
    .action(async (files: string[], opts: { source: SourceKind }, cmd: Command) => {
      const { config, log } = cliContext(cmd);
      const sent = await produceFiles({ brokers: config.kafka.brokers, topic: config.kafka.topics[opts.source], files, log, security: kafkaSecurity(config.kafka) });
      process.stdout.write(`produced ${sent} messages to ${config.kafka.topics[opts.source]}\n`);
    });
}
