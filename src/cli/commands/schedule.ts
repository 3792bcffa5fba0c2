import { Command } from 'commander';
import { exitStoppedService, untilSignal } from '../context.ts';
import { alertJson } from '../../detect/format.ts';
import { parseTimeOption } from '../../detect/plan.ts';
import { detectRole, logNewAlerts, policyTracker } from '../../service/detect-role.ts';
import { DETECTOR_OPTION_HELP, POLICY_OPTION_HELP, prepareDetection } from './detector-setup.ts';

interface ScheduleOptions {
  detector?: string[];
  policy?: string;
  since?: string;
}

export function scheduleCommand(): Command {
  return new Command('schedule')
    .description(
      'Run the detectors on their schedules until SIGTERM/SIGINT: each covers [watermark, now − settle) window by ' +
      'window, waits for late sources, re-evaluates windows that receive late data. New alerts are printed as JSON ' +
      'lines on stdout. The policy file is re-read and re-synced when it changes (an invalid edit is logged and ignored). ' +
      'Runs alone, without the scheduler lease; `run --role detect` is the replicated form.',
    )
    .option('--detector <id...>', DETECTOR_OPTION_HELP)
    .option('--policy <file>', POLICY_OPTION_HELP)
    .option('--since <iso>', 'where detectors without a watermark start (default: their last complete window)')
    .action(async (opts: ScheduleOptions, cmd: Command) => {
      const since = parseTimeOption('since', opts.since);
      const setup = await prepareDetection(cmd, opts);
      const { store, detectors, policyFile } = setup;
      const { log } = setup.ctx;
      const logAlerts = logNewAlerts(log);
      const role = detectRole({
        store, log, detectors, policyVersion: policyTracker(store, policyFile, setup.policyVersion, log),
        ...(since ? { since } : {}), pollSeconds: setup.ctx.config.service.detectPollSeconds, lanes: setup.ctx.config.service.detectLanes,
        onNewAlerts: (alerts) => {
          for (const a of alerts) process.stdout.write(`${alertJson(a)}\n`);
          logAlerts(alerts);
        },
      });
      await role.start();
      log.info({ policyFile, policyVersion: setup.policyVersion }, 'Policy in force');
      await untilSignal(async () => {
        await role.stop();
        await store.close();
      }, log, 'finishing the running detector cycle and closing the store');
      exitStoppedService();
    });
}
