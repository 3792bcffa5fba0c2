import { Command } from 'commander';
import { cliContext } from '../context.ts';
import { loadDetectors } from '../../detect/registry.ts';
import { loadPolicyFile, resolvePolicyFile } from '../../policy/load.ts';
import { policyRows } from '../../policy/rows.ts';

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

export function policyCommand(): Command {
  return new Command('policy').description('Work with the approved-usage policy file.').addCommand(checkCommand());
}
