import { Command } from 'commander';
import { COMMANDS } from './commands/index.ts';
import { loadConfig } from '../config/load.ts';
import { AppError } from '../errors.ts';

const program = new Command('driftwatch')
  .description('Finds where AI coding agents slip out of governance: ingest gateway, billing, IdP and agent logs; run detectors.')
  .option('-c, --config <file>', 'config file (YAML or JSON); env DRIFTWATCH_CONFIG')
  .option('--check-config', 'validate the configuration (file + environment), print every problem, and exit 0/1')
  .showHelpAfterError();

for (const make of COMMANDS) program.addCommand(make());


async function main(): Promise<void> {
  const argv = process.argv;
  if (argv.includes('--check-config')) {
    program.parseOptions(argv.slice(2));
    const opts = program.opts<{ config?: string }>();
    loadConfig({ file: opts.config });
    process.stdout.write('configuration is valid\n');
    return;
  }
  await program.parseAsync(argv);
}

main().catch((err: unknown) => {
  if (err instanceof AppError) {
    process.stderr.write(`driftwatch: ${err.code}: ${err.message}\n`);
  } else {
    process.stderr.write(`driftwatch: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
