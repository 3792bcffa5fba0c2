import { Command } from 'commander';
import type { Alert } from '../../detect/alerts.ts';
import { alertJson, alertTable } from '../../detect/format.ts';
import { detectOnce } from '../../detect/once.ts';
import { parseTimeOption, validateRequest } from '../../detect/plan.ts';
import { DETECTOR_OPTION_HELP, POLICY_OPTION_HELP, prepareDetection } from './detector-setup.ts';

interface DetectOptions {
  at?: string;
  from?: string;
  to?: string;
  detector?: string[];
  policy?: string;
}

export function detectCommand(): Command {
  return new Command('detect')
    .description(
      'Run detectors once and store their alerts. Prints the NEW alerts (fingerprints not seen before) as JSON lines on ' +
      'stdout and as a table on stderr. Without --at/--from: the window the scheduler would evaluate now.',
    )
    .option('--at <iso>', 'evaluate the last complete window of each detector ending at or before this time')
    .option('--from <iso>', 'with --to: evaluate every window in [from, to) (a day of windows per query)')
    .option('--to <iso>', 'end of the --from range (exclusive)')
    .option('--detector <id...>', DETECTOR_OPTION_HELP)
    .option('--policy <file>', POLICY_OPTION_HELP)
    .action(async (opts: DetectOptions, cmd: Command) => {
      const request = { at: parseTimeOption('at', opts.at), from: parseTimeOption('from', opts.from), to: parseTimeOption('to', opts.to) };
      validateRequest(request);
      const { ctx, store, detectors, policyVersion } = await prepareDetection(cmd, opts);
      let created: Alert[] = [];
      try {
        created = await detectOnce(store, detectors, request, { now: new Date(), policyVersion, log: ctx.log, lanes: ctx.config.service.detectLanes });
      } finally {
        await store.close();
      }
      for (const alert of created) process.stdout.write(`${alertJson(alert)}\n`);
      process.stderr.write(created.length === 0 ? 'No new alerts.\n' : `${alertTable(created)}\n${created.length} new alert(s).\n`);
    });
}
