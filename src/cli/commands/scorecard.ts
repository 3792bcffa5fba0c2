import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { z } from 'zod';
import { cliContext, openMigratedStore } from '../context.ts';
import { alertSightings, plantedIncidentSchema, scorecard } from '../../simulate/scorecard.ts';
import { AppError, errorMessage } from '../../errors.ts';

export function scorecardCommand(): Command {
  return new Command('scorecard')
    .description('Score the alerts in the store against a simulator ground truth (`driftwatch simulate --truth FILE`); prints the scorecard as JSON.')
    .requiredOption('--truth <file>', 'ground truth JSON written by driftwatch simulate --truth')
    .option('--slack <seconds>', 'how far outside an alert window an incident may start and still be its', '3600')
    .action(async (opts: { truth: string; slack: string }, cmd: Command) => {
      const slackSeconds = Number(opts.slack);
      if (!Number.isFinite(slackSeconds) || slackSeconds < 0) throw new AppError('INPUT_UNREADABLE', `--slack must be a number of seconds (got "${opts.slack}")`);
      let truth;
      try {
        truth = z.array(plantedIncidentSchema).parse(JSON.parse(readFileSync(opts.truth, 'utf8')));
      } catch (err) {
        throw new AppError('INPUT_UNREADABLE', `${opts.truth}: not a simulator ground truth: ${errorMessage(err)}`, {}, false, { cause: err });
      }
      const store = await openMigratedStore(cliContext(cmd));
      try {
        const card = scorecard(truth, await alertSightings(store), { slackSeconds });
        process.stdout.write(`${JSON.stringify(card, null, 2)}\n`);
      } finally {
        await store.close();
      }
    });
}
