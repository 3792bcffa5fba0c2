import type { Config } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';

/**
 * A role is one job `driftwatch run` hosts: Kafka consumers, the detector scheduler, the alert
 * dispatcher, the HTTP API. The service starts the roles a process was given and stops them in
 * an order that loses nothing (service.ts).
 */

export const ROLE_NAMES = ['ingest', 'detect', 'deliver', 'api'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export interface RoleReadiness {
  ok: boolean;
  detail: Record<string, unknown>;
}

export interface Role {
  readonly name: RoleName;
  start(): Promise<void>;
  /** Graceful: finishes or hands back in-flight work (flush and commit, the running cycle, deliveries). */
  stop(): Promise<void>;
  /** For /readyz: consumers assigned, scheduler active or standing by, and so on. */
  ready(): RoleReadiness;
  /** Settles when the role cannot go on; the service then stops everything and exits non-zero. */
  readonly failed?: Promise<Error>;
}

/** What every role is built from: one config, one store connection, one logger for the process. */
export interface RoleContext {
  config: Config;
  store: Store;
  log: Logger;
  /** HTTP port for the api role (`--port`). */
  port: number;
  /** Readiness of every role in this process, for the api role's /readyz. */
  readiness: () => Partial<Record<RoleName, RoleReadiness>>;
}

export type RoleFactory = (ctx: RoleContext) => Role | Promise<Role>;
