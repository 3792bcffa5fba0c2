import { statSync } from 'node:fs';
import type { Alert } from '../detect/alerts.ts';
import type { AnyDetector } from '../detect/define-detector.ts';
import { loadDetectors } from '../detect/registry.ts';
import { DetectorScheduler } from '../detect/scheduler.ts';
import { errorMessage } from '../errors.ts';
import { loadPolicyFile } from '../policy/load.ts';
import { syncPolicy } from '../policy/sync.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Policy } from '../../schemas/policy/policy.ts';
import type { Role } from './role.ts';
import type { RecoverySweep } from '../alerts/outbox-recovery.ts';

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * The policy version in force, re-synced when the policy file changes (checked before each cycle).
 * An invalid edit is logged and the previous policy kept: a typo must not stop detection.
 * `onChange` gets each new policy once it is synced (the service re-reads its alert exceptions).
 */
export function policyTracker(
  store: Store, policyFile: string, initialVersion: string, log: Logger, onChange?: (policy: Policy) => void,
): () => Promise<string> {
  let version = initialVersion;
  let mtime = mtimeOf(policyFile);
  return async () => {
    const now = mtimeOf(policyFile);
    if (now === mtime) return version;
    mtime = now;
    try {
      // Checked against the whole corpus (its `detectors:` overrides name any detector), like at start-up.
      const { policy } = loadPolicyFile(policyFile, await loadDetectors());
      version = (await syncPolicy(store, policy, policyFile, log)).version;
      onChange?.(policy);
    } catch (err) {
      log.error({ policyFile, err: errorMessage(err) }, 'Policy file changed but is invalid; keeping the previous policy');
    }
    return version;
  };
}

export interface DetectRoleDeps {
  store: Store;
  log: Logger;
  detectors: readonly AnyDetector[];
  policyVersion: () => Promise<string>;
  since?: Date;
  onNewAlerts?: (alerts: Alert[], detector: AnyDetector) => void | Promise<void>;
  /** The scheduler lease's fencing check (leased-role.ts); absent for `schedule`, which runs alone. */
  fence?: () => Promise<void>;
  /** Runs alone between cycles when due (SchedulerOptions.sweep): the outbox recovery sweep. */
  sweep?: RecoverySweep;
  /** Cycles side by side, each on its own store session (config service.detectLanes). */
  lanes?: number;
  /** Seconds between ticks (config service.detectPollSeconds). */
  pollSeconds?: number;
  /** Injected clock for tests. */
  now?: () => Date;
}

/** The detector scheduler as a role. stop() waits for the running cycle to finish. */
export function detectRole(deps: DetectRoleDeps): Role {
  const scheduler = new DetectorScheduler({
    store: deps.store, log: deps.log, detectors: deps.detectors, policyVersion: deps.policyVersion,
    ...(deps.since ? { since: deps.since } : {}),
    ...(deps.onNewAlerts ? { onNewAlerts: deps.onNewAlerts } : {}),
    ...(deps.fence ? { fence: deps.fence } : {}),
    ...(deps.sweep ? { sweep: deps.sweep } : {}),
    ...(deps.lanes ? { lanes: deps.lanes } : {}),
    ...(deps.pollSeconds ? { pollSeconds: deps.pollSeconds } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  let running = false;
  return {
    name: 'detect',
    start: async () => {
      scheduler.start();
      running = true;
      deps.log.info({ detectors: deps.detectors.length }, 'Scheduler started');
    },
    stop: async () => {
      running = false;
      await scheduler.stop();
    },
    ready: () => ({ ok: true, detail: { scheduler: running ? 'running' : 'stopped', detectors: deps.detectors.length } }),
  };
}

/** Logs each new alert (the dispatcher delivers them; `schedule` also prints them on stdout). */
export function logNewAlerts(log: Logger): (alerts: Alert[]) => void {
  return (alerts) => {
    for (const a of alerts) {
      log.warn({ detector: a.detector, severity: a.severity, team: a.team, identity: a.identity, entity: a.entity, fingerprint: a.fingerprint }, 'Alert raised');
    }
  };
}
