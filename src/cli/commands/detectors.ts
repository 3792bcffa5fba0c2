import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { DetectorParamsSection } from '../../../schemas/policy/detector-params.ts';
import type { AnyDetector } from '../../detect/define-detector.ts';
import { table } from '../../detect/format.ts';
import { loadPolicyFile } from '../../policy/load.ts';
import { cliContext } from '../context.ts';
import { DETECTORS_DIR, discoverDetectorFiles, loadDetectors, selectDetectors } from '../../detect/registry.ts';
import { AppError } from '../../errors.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function listCommand(): Command {
  return new Command('list')
    .description('List the detectors (validated at load) with schedule, required sources and audience.')
    .option('--json', 'one JSON object per detector: metadata, schedule, sources, params, controls')
    .option('--params', 'each detector\'s parameters: type, default, meaning, and the policy\'s organisation-wide and per-team overrides')
    .option('--policy <file>', 'the policy whose overrides --params shows; default: DRIFTWATCH_POLICY or policyFile in the config')
    .action(async (opts: { json?: boolean; params?: boolean; policy?: string }, cmd: Command) => {
      const detectors = await loadDetectors();
      if (opts.params) {
        const file = opts.policy ?? cliContext(cmd).config.policyFile;
        const section = file ? loadPolicyFile(file, detectors).policy.detectors : {};
        process.stdout.write(`${paramsTable(detectors, section, file)}\n`);
        return;
      }
      if (opts.json) {
        for (const d of detectors) {
          const { id, title, description, severity, audience, schedule, early, earlyOn, requires, sources, controls, params, runbook, falsePositives } = d;
          process.stdout.write(`${JSON.stringify({ id, title, description, severity, audience, schedule, early, ...(early ? { earlyOn } : {}), requires, sources, controls, params, runbook, falsePositives })}\n`);
        }
        return;
      }
      const rows = detectors.map((d) => [
        d.id, d.severity, d.audience, `${d.schedule.every}/${d.schedule.lookback}/${d.schedule.settle}`, d.early ? (d.earlyOn.length < d.sources.length ? `on ${d.earlyOn.join(',')}` : 'yes') : '-', d.requires.join(',') || '-', d.sources.join(','), d.title,
      ]);
      process.stdout.write(`${table(['ID', 'SEVERITY', 'AUDIENCE', 'EVERY/LOOKBACK/SETTLE', 'EARLY', 'REQUIRES', 'READS', 'TITLE'], rows, [48, 8, 8, 22, 10, 16, 28, 70])}\n`);
    });
}

const shown = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));

/** One line per detector parameter: its default, and where the policy overrides it (organisation / team). */
function paramsTable(detectors: readonly AnyDetector[], section: DetectorParamsSection, policyFile: string | undefined): string {
  const rows = detectors.flatMap((d) => Object.entries(d.params).map(([name, spec]) => {
    const o = section[d.id];
    const teams = Object.entries(o?.teams ?? {}).filter(([, v]) => name in v).map(([t, v]) => `${t}=${shown(v[name])}`);
    return [d.id, name, spec.type, shown(spec.default), o && name in o.params ? shown(o.params[name]) : '-', teams.join(' ') || '-', spec.description];
  }));
  const source = policyFile ? `overrides from ${policyFile}` : 'no policy file given: defaults only';
  return `${table(['DETECTOR', 'PARAM', 'TYPE', 'DEFAULT', 'POLICY', 'TEAMS', 'MEANING'], rows, [40, 22, 13, 10, 10, 30, 90])}\n(${source})`;
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
