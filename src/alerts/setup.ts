import type { AlertsConfig } from '../config/schema.ts';
import type { Policy } from '../../schemas/policy/policy.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { buildDestinations, type DestinationDeps } from './destinations/index.ts';
import { Dispatcher } from './dispatcher.ts';
import type { EnqueueOptions } from './outbox.ts';
import type { Route } from './routing.ts';

/** Wiring from the config for callers (`driftwatch run`, detect): routes, noise options, the dispatcher. */

export function routesOf(config: Pick<AlertsConfig, 'routes'>): Route[] {
  return config.routes;
}

export function enqueueOptionsOf(config: Pick<AlertsConfig, 'suppressionWindowMs' | 'suppressionWindowByDetector'>, policy?: Pick<Policy, 'exceptions'>): EnqueueOptions {
  return {
    exceptions: policy?.exceptions ?? [],
    suppressionWindowMs: (detector) => config.suppressionWindowByDetector[detector] ?? config.suppressionWindowMs,
  };
}

export interface DispatcherDeps extends DestinationDeps {
  log?: Logger;
  clock?: () => Date;
  runbookOf?: (detector: string) => string | undefined;
  /** The dispatcher lease's fence (src/service/role-factories.ts dispatcherRole). */
  fence?: () => Promise<void>;
}

export function dispatcherFromConfig(store: Store, config: AlertsConfig, deps: DispatcherDeps = {}): Dispatcher {
  return new Dispatcher(store, {
    ...config.dispatcher,
    destinations: buildDestinations(config, deps),
    timeoutsMs: Object.fromEntries(config.destinations.flatMap((d) => (d.timeoutMs ? [[d.name, d.timeoutMs]] : []))),
    consoleBaseUrl: config.consoleBaseUrl,
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.runbookOf ? { runbookOf: deps.runbookOf } : {}),
    ...(deps.fence ? { fence: deps.fence } : {}),
  });
}
