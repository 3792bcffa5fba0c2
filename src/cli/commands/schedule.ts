import { statSync } from 'node:fs';
import { Command } from 'commander';
import { untilSignal } from '../context.ts';
import { alertJson } from '../../detect/format.ts';
import { DetectorScheduler } from '../../detect/scheduler.ts';
import { parseTimeOption } from '../../detect/plan.ts';
import { loadPolicyFile } from '../../policy/load.ts';
import { syncPolicy } from '../../policy/sync.ts';
import { errorMessage } from '../../errors.ts';
import { DETECTOR_OPTION_HELP, POLICY_OPTION_HELP, prepareDetection } from './detector-setup.ts';

interface ScheduleOptions {
  detector?: string[];
  policy?: string;
  since?: string;
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

export function scheduleCommand(): Command {
  return new Command('schedule')
    .description(
      'Run the detectors on their schedules until SIGTERM/SIGINT: each covers [watermark, now − settle) window by ' +
      'window, waits for late sources, re-evaluates windows that receive late data. New alerts are printed as JSON ' +
      'lines on stdout. The policy file is re-read and re-synced when it changes (an invalid edit is logged and ignored).',
    )
    .option('--detector <id...>', DETECTOR_OPTION_HELP)
    .option('--policy <file>', POLICY_OPTION_HELP)
    .option('--since <iso>', 'where detectors without a watermark start (default: their last complete window)')
    .action(async (opts: ScheduleOptions, cmd: Command) => {
      const since = parseTimeOption('since', opts.since);
      const setup = await prepareDetection(cmd, opts);
      const { store, detectors, policyFile } = setup;
      const { log } = setup.ctx;
      let version = setup.policyVersion;
      let mtime = mtimeOf(policyFile);
      const policyVersion = async (): Promise<string> => {
        const now = mtimeOf(policyFile);
        if (now === mtime) return version;
        mtime = now;
        try {
          version = (await syncPolicy(store, loadPolicyFile(policyFile).policy, policyFile, log)).version;
        } catch (err) {
          log.error({ policyFile, err: errorMessage(err) }, 'Policy file changed but is invalid; keeping the previous policy');
        }
        return version;
      };
      const scheduler = new DetectorScheduler({
        store, log, detectors, policyVersion, since,
        onNewAlerts: (alerts) => {
          for (const a of alerts) {
            process.stdout.write(`${alertJson(a)}\n`);
            log.warn({ detector: a.detector, severity: a.severity, team: a.team, identity: a.identity, entity: a.entity, fingerprint: a.fingerprint }, 'Alert raised');
          }
        },
      });
      scheduler.start();
      log.info({ detectors: detectors.length, policyFile, policyVersion: version }, 'Scheduler started');
      await untilSignal(async () => {
        await scheduler.stop();
        await store.close();
      }, log, 'stopping the detector schedule and closing the store');
    });
}
