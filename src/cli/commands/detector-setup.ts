import type { Command } from 'commander';
import { cliContext, openMigratedStore, type CliContext } from '../context.ts';
import type { AnyDetector } from '../../detect/define-detector.ts';
import { loadDetectors, selectDetectors } from '../../detect/registry.ts';
import { loadPolicyFile, resolvePolicyFile } from '../../policy/load.ts';
import { syncPolicy } from '../../policy/sync.ts';
import type { Store } from '../../store/store.ts';

/**
 * What detect / backtest / schedule share: config, the detector corpus (validated), the policy
 * (validated, then synced so the SQL joins the policy in force), and a migrated store.
 */

export interface DetectionSetup {
  ctx: CliContext;
  store: Store;
  detectors: AnyDetector[];
  policyFile: string;
  policyVersion: string;
}

export interface DetectionOptions {
  policy?: string;
  detector?: string[];
}

/**
 * The detectors and the policy, validated before anything touches the store: a typo in the policy
 * or a broken detector should fail fast with all its problems listed. `sync` then writes the policy.
 */
export async function loadDetection(ctx: CliContext, opts: DetectionOptions) {
  const corpus = await loadDetectors();
  const detectors = selectDetectors(corpus, opts.detector);
  const policyFile = resolvePolicyFile(opts.policy, ctx.config.policyFile);
  // Its parameter overrides may name any detector of the corpus, not only the selected ones.
  const { policy } = loadPolicyFile(policyFile, corpus);
  return {
    detectors,
    policyFile,
    sync: async (store: Store): Promise<string> => (await syncPolicy(store, policy, policyFile, ctx.log)).version,
  };
}

export async function prepareDetection(cmd: Command, opts: DetectionOptions): Promise<DetectionSetup> {
  const ctx = cliContext(cmd);
  const { detectors, policyFile, sync } = await loadDetection(ctx, opts);
  const store = await openMigratedStore(ctx);
  try {
    return { ctx, store, detectors, policyFile, policyVersion: await sync(store) };
  } catch (err) {
    await store.close();
    throw err;
  }
}

export const POLICY_OPTION_HELP = 'approved-usage policy (YAML); default: DRIFTWATCH_POLICY or policyFile in the config';
export const DETECTOR_OPTION_HELP = 'only these detector ids (repeatable); default: all';
