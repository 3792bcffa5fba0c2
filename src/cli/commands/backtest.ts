import { Command } from 'commander';
import { storedAlerts, type Alert } from '../../detect/alerts.ts';
import { alertJson, alertTable, table } from '../../detect/format.ts';
import { batchWindows, parseTimeOption, planWindows, validateRequest } from '../../detect/plan.ts';
import { runDetectorWindows } from '../../detect/run.ts';
import { DETECTOR_OPTION_HELP, POLICY_OPTION_HELP, prepareDetection } from './detector-setup.ts';

interface BacktestOptions {
  from: string;
  to: string;
  detector?: string[];
  policy?: string;
}

export function backtestCommand(): Command {
  return new Command('backtest')
    .description(
      'Replay detectors window by window over history and report what would have fired, without storing alerts or ' +
      'moving watermarks. JSON lines on stdout (each alert once, with "stored": whether it is already in the alerts ' +
      'table); per-detector totals and the alerts as tables on stderr. Uses the current policy (its effective dates apply).',
    )
    .requiredOption('--from <iso>', 'start of history (inclusive)')
    .requiredOption('--to <iso>', 'end of history (exclusive)')
    .option('--detector <id...>', DETECTOR_OPTION_HELP)
    .option('--policy <file>', POLICY_OPTION_HELP)
    .action(async (opts: BacktestOptions, cmd: Command) => {
      const request = { from: parseTimeOption('from', opts.from), to: parseTimeOption('to', opts.to) };
      validateRequest(request);
      const { store, detectors, policyVersion } = await prepareDetection(cmd, opts);
      const now = new Date();
      const fired = new Map<string, Alert>();
      const totals: string[][] = [];
      try {
        for (const detector of detectors) {
          const windows = planWindows(detector, request, now);
          let rows = 0;
          let ms = 0;
          const before = fired.size;
          for (const batch of batchWindows(detector, windows)) {
            for (const run of await runDetectorWindows(store, detector, batch, { now, policyVersion })) {
              rows += run.rows;
              ms += run.durationMs;
              // Overlapping windows (lookback > every) see an incident more than once: report it once.
              for (const a of run.alerts) if (!fired.has(a.fingerprint)) fired.set(a.fingerprint, a);
            }
          }
          totals.push([detector.id, String(windows.length), String(rows), String(fired.size - before), `${ms} ms`]);
        }
        const stored = await storedAlerts(store, [...fired.keys()]);
        for (const a of fired.values()) process.stdout.write(`${alertJson(a, { stored: stored.has(a.fingerprint) })}\n`);
        process.stderr.write(`${table(['DETECTOR', 'WINDOWS', 'ROWS', 'ALERTS', 'QUERY TIME'], totals)}\n`);
        if (fired.size > 0) process.stderr.write(`\n${alertTable([...fired.values()])}\n`);
        process.stderr.write(`${fired.size} alert(s) would have fired, ${[...fired.keys()].filter((f) => stored.has(f)).length} of them already stored.\n`);
      } finally {
        await store.close();
      }
    });
}
