import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { table } from '../../detect/format.ts';
import { DETECTORS_DIR, discoverDetectorFiles, loadDetectors, selectDetectors } from '../../detect/registry.ts';
import { AppError } from '../../errors.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function listCommand(): Command {
  return new Command('list')
    .description('List the detectors (validated at load) with schedule, required sources and audience.')
    .option('--json', 'one JSON object per detector: metadata, schedule, sources, params, controls')
    .action(async (opts: { json?: boolean }) => {
      const detectors = await loadDetectors();
      if (opts.json) {
        for (const d of detectors) {
          const { id, title, description, severity, audience, schedule, requires, sources, controls, params, runbook, falsePositives } = d;
          process.stdout.write(`${JSON.stringify({ id, title, description, severity, audience, schedule, requires, sources, controls, params, runbook, falsePositives })}\n`);
        }
        return;
      }
      const rows = detectors.map((d) => [
        d.id, d.severity, d.audience, `${d.schedule.every}/${d.schedule.lookback}/${d.schedule.settle}`, d.requires.join(',') || '-', d.sources.join(','), d.title,
      ]);
      process.stdout.write(`${table(['ID', 'SEVERITY', 'AUDIENCE', 'EVERY/LOOKBACK/SETTLE', 'REQUIRES', 'READS', 'TITLE'], rows, [48, 8, 8, 22, 16, 28, 70])}\n`);
    });
}

/** Vitest's own entry point, so `detectors test` works without npx on the PATH. */
function vitestEntry(): string[] {
  const entry = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  return existsSync(entry) ? [process.execPath, entry] : ['npx', 'vitest'];
}

function testCommand(): Command {
  return new Command('test')
    .description('Run the fixture tests of the given detectors (all when none given), plus the corpus rules, with vitest.')
    .argument('[id...]', 'detector ids, e.g. billing.unmanaged-key-usage')
    .action(async (ids: string[]) => {
      const { files } = discoverDetectorFiles();
      const wanted = ids.length === 0 ? files : ids.map((id) => {
        const f = files.find((x) => x.expectedId === id);
        if (!f) throw new AppError('DETECTOR_INVALID', `unknown detector ${id}; known: ${files.map((x) => x.expectedId).join(', ')}`);
        return f;
      });
      // The meta test validates metadata and the id = path rule for the corpus as a whole.
      selectDetectors(await loadDetectors(), ids);
      const targets = [...wanted.map((f) => relative(ROOT, f.testFile)), relative(ROOT, join(ROOT, 'test', 'detectors.meta.test.ts'))];
      const [cmd, ...pre] = vitestEntry() as [string, ...string[]];
      const child = spawn(cmd, [...pre, 'run', ...targets], {
        cwd: ROOT,
        stdio: 'inherit',
        // Detector fixtures need ClickHouse (embedded), not Kafka.
        env: { ...process.env, DRIFTWATCH_SKIP_BROKER: '1' },
      });
      const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
      process.exitCode = code;
    });
}

export function detectorsCommand(): Command {
  return new Command('detectors')
    .description(`Inspect and test the detector corpus in ${relative(process.cwd(), DETECTORS_DIR) || 'detectors/'}.`)
    .addCommand(listCommand())
    .addCommand(testCommand());
}
