import { Command } from 'commander';
import { cliContext } from '../context.ts';
import { openStore } from '../../store/store.ts';
import { migrate } from '../../store/migrate.ts';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('Apply the versioned DDL in schemas/clickhouse/ (safe to re-run) and exit.')
    .action(async (_opts: unknown, cmd: Command) => {
      const { config, log } = cliContext(cmd);
      const store = await openStore(config.clickhouse);
      try {
        const applied = await migrate(store, log);
        process.stdout.write(`applied ${applied.length} migration(s) on ${store.location}\n`);
      } finally {
        await store.close();
      }
    });
}
