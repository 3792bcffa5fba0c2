import { Command, Option } from 'commander';
import { cliContext, openMigratedStore } from '../context.ts';
import { replayFiles } from '../../ingest/replay.ts';
import { SOURCE_KINDS, type SourceKind } from '../../decode/types.ts';

export function replayCommand(): Command {
  return new Command('replay')
    .description('Read NDJSON or JSON files through the same decoders into the store; print counts of rows and rejects.')
    .addOption(new Option('--source <source>', 'which source the files hold').choices([...SOURCE_KINDS]).makeOptionMandatory())
    .option('--json', 'print one JSON object {accepted, rejected, byFormat, rejectReasons}')
    .argument('<file...>', 'NDJSON (one record per line) or JSON (one document, or an array of records)')
    .action(async (files: string[], opts: { source: SourceKind; json?: boolean }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const store = await openMigratedStore(ctx);
      try {
        const summary = await replayFiles(opts.source, files, ctx.config, store, ctx.log);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(summary)}\n`);
        } else {
          const lines = [`accepted ${summary.accepted}  rejected ${summary.rejected}`];
          for (const [f, n] of Object.entries(summary.byFormat)) lines.push(`  format ${f}: ${n}`);
          for (const [r, n] of Object.entries(summary.rejectReasons)) lines.push(`  reject ${r}: ${n}`);
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        // A replay that stored nothing is a failure a script must see (often the wrong --source).
        if (summary.accepted === 0) {
          process.stderr.write(`driftwatch: 0 accepted: no record of ${files.length === 1 ? 'this file' : 'these files'} was stored `
            + `(${summary.rejected} rejected${topReason(summary.rejectReasons)}); is --source ${opts.source} the right source?\n`);
          process.exitCode = 1;
        }
      } finally {
        await store.close();
      }
    });
}

function topReason(reasons: Record<string, number>): string {
  const entries = Object.entries(reasons).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '' : `: ${entries.map(([r, n]) => `${r} ${n}`).join(', ')}`;
}
