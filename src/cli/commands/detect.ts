import { Command } from 'commander';
import { persistAlerts, type Alert } from '../../detect/alerts.ts';
import { alertJson, alertTable } from '../../detect/format.ts';
import { parseTimeOption, planWindows, validateRequest } from '../../detect/plan.ts';
import { runDetector } from '../../detect/run.ts';
import { sourceHighWater } from '../../detect/sources.ts';
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
    .option('--from <iso>', 'with --to: evaluate every window in [from, to), window by window')
    .option('--to <iso>', 'end of the --from range (exclusive)')
    .option('--detector <id...>', DETECTOR_OPTION_HELP)
    .option('--policy <file>', POLICY_OPTION_HELP)
    .action(async (opts: DetectOptions, cmd: Command) => {
      const request = { at: parseTimeOption('at', opts.at), from: parseTimeOption('from', opts.from), to: parseTimeOption('to', opts.to) };
      validateRequest(request);
      const { ctx, store, detectors, policyVersion } = await prepareDetection(cmd, opts);
      const { log } = ctx;
      const now = new Date();
      const created: Alert[] = [];
      try {
        for (const detector of detectors) {
          for (const window of planWindows(detector, request, now)) {
            // A one-shot run does not wait for late sources; it says so instead.
            for (const source of detector.requires) {
              const hw = await sourceHighWater(store, source, now);
              if (hw === null || hw < window.to.getTime()) {
                log.warn({ detector: detector.id, source, windowEnd: window.to.toISOString(), reportedUntil: hw === null ? null : new Date(hw).toISOString() },
                  'Source has not reported past the window end; results may be incomplete');
              }
            }
            const run = await runDetector(store, detector, window, { now, policyVersion });
            const persisted = await persistAlerts(store, run.alerts, now);
            created.push(...persisted.created);
            log.info({ detector: detector.id, windowStart: window.from.toISOString(), windowEnd: window.to.toISOString(),
              durationMs: run.durationMs, rows: run.rows, alerts: run.alerts.length, newAlerts: persisted.created.length }, 'Detector run finished');
          }
        }
      } finally {
        await store.close();
      }
      for (const alert of created) process.stdout.write(`${alertJson(alert)}\n`);
      process.stderr.write(created.length === 0 ? 'No new alerts.\n' : `${alertTable(created)}\n${created.length} new alert(s).\n`);
    });
}
