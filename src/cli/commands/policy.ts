import { Command } from 'commander';
import { cliContext } from '../context.ts';
import { loadDetectors } from '../../detect/registry.ts';
import { loadPolicyFile, resolvePolicyFile } from '../../policy/load.ts';
import { policyRows } from '../../policy/rows.ts';
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { EXPORT_TARGETS, exportPolicy } from '../../policy/export/render.ts';
import { AppError } from '../../errors.ts';

function checkCommand(): Command {
  return new Command('check')
    .description('Validate a policy file without touching the store: prints every problem as file:line:column field: message, exit 1 if any.')
    .argument('[file]', 'policy file; default: DRIFTWATCH_POLICY or policyFile in the config')
    .action(async (file: string | undefined, _opts: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const path = resolvePolicyFile(file, ctx.config.policyFile);
      // The detectors: section is checked against the corpus's own parameter declarations.
      const { policy } = loadPolicyFile(path, await loadDetectors());
      const counts = Object.entries(policyRows(policy)).map(([t, r]) => `${t.replace(/^policy_|_all$/g, '')}=${r.length}`);
      process.stdout.write(`${path}: valid (${counts.join(' ')})\n`);
    });
}

const exportOptions = z.object({
  to: z.enum(EXPORT_TARGETS),
  gateway: z.string().min(1).optional(),
  at: z.iso.datetime({ offset: true }).optional(),
  out: z.string().min(1).optional(),
}).strict();

function exportCommand(): Command {
  return new Command('export')
    .description('Write the gateway configuration that enforces the approved policy: LiteLLM (config.yaml model_list, team and key settings) or Kong (decK declarative: consumers, ACLs, ai-proxy routes, budgets).')
    .argument('[file]', 'policy file; default: DRIFTWATCH_POLICY or policyFile in the config')
    .requiredOption('--to <target>', `gateway kind: ${EXPORT_TARGETS.join(' | ')}`)
    .option('--gateway <id>', 'policy gateway id; default: the first gateway of that kind')
    .option('--at <iso>', 'instant whose budgets and memberships are exported; default: now')
    .option('--out <file>', 'write here instead of stdout')
    .action((file: string | undefined, raw: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const parsed = exportOptions.safeParse(raw);
      if (!parsed.success) {
        throw new AppError('CONFIG_INVALID', parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
      }
      const { to, gateway, at, out } = parsed.data;
      const { policy } = loadPolicyFile(resolvePolicyFile(file, ctx.config.policyFile));
      const result = exportPolicy(policy, { to, gateway, atMs: at === undefined ? Date.now() : Date.parse(at) });
      for (const model of result.unpinned) process.stderr.write(`not exported: ${to} cannot pin model glob "${model}"\n`);
      if (out === undefined) process.stdout.write(result.text);
      else writeFileSync(out, result.text);
    });
}

export function policyCommand(): Command {
  return new Command('policy').description('Work with the approved-usage policy file.').addCommand(checkCommand()).addCommand(exportCommand());
}
