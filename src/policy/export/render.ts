import { stringify } from 'yaml';
import type { Policy } from '../../../schemas/policy/policy.ts';
import { AppError } from '../../errors.ts';
import { approvedAccess } from './approved-access.ts';
import { toKong } from './kong.ts';
import { toLitellm } from './litellm.ts';

export const EXPORT_TARGETS = ['litellm', 'kong'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

export interface ExportOptions {
  to: ExportTarget;
  /** Policy gateway id; default: the policy's first gateway of that kind. */
  gateway?: string;
  /** The instant whose budgets and memberships are exported (epoch ms). */
  atMs: number;
}

export interface PolicyExport {
  gateway: string;
  /** The configuration as YAML (decK reads YAML; LiteLLM's config.yaml part is YAML). */
  text: string;
  /** Policy models the target cannot enforce as written (Kong: globs that cannot be pinned). */
  unpinned: string[];
}

/** `driftwatch policy export`: the gateway configuration that enforces the approved policy. */
export function exportPolicy(policy: Policy, options: ExportOptions): PolicyExport {
  const gateway = policy.gateways.find((g) => (options.gateway === undefined ? g.kind === options.to : g.id === options.gateway));
  if (!gateway || gateway.kind !== options.to) {
    throw new AppError('POLICY_INVALID', options.gateway === undefined
      ? `the policy lists no ${options.to} gateway`
      : `gateway "${options.gateway}" is not a ${options.to} gateway of the policy`, { gateway: options.gateway ?? '' });
  }
  const access = approvedAccess(policy, options.atMs);
  const header = `# Written by driftwatch policy export --to ${options.to} for gateway ${gateway.id} at ${new Date(options.atMs).toISOString()}.\n`;
  if (options.to === 'litellm') {
    return {
      gateway: gateway.id,
      text: `${header}# config: the proxy's config.yaml; teams: POST /team/new (or /team/update) bodies; keys: POST /key/update bodies (key = the virtual key's hash).\n${stringify(toLitellm(access, gateway.id))}`,
      unpinned: [],
    };
  }
  const { config, unpinned } = toKong(access, gateway.id);
  return { gateway: gateway.id, text: `${header}# decK declarative configuration: deck gateway sync <this file>.\n${stringify(config)}`, unpinned };
}
