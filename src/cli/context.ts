import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { openStore, type Store } from '../store/store.ts';
import { migrate } from '../store/migrate.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';

export interface CliContext {
  config: Config;
  log: Logger;
}

/** Config from the global --config option, the environment and per-command overrides. */
export function cliContext(cmd: Command, overrides: Record<string, unknown> = {}): CliContext {
  const globals = cmd.optsWithGlobals<{ config?: string }>();
  const config = loadConfig({ file: globals.config, overrides });
  return { config, log: createLogger(config.logLevel) };
}

/** Opens the store and brings its schema up to date (versioned DDL, safe to re-run). */
export async function openMigratedStore(ctx: CliContext): Promise<Store> {
  const store = await openStore(ctx.config.clickhouse);
  await migrate(store, ctx.log);
  return store;
}

/**
 * Waits for SIGTERM/SIGINT, then runs `stop` once (graceful drain). `stopping` says what the
 * drain does, in the command's own words (ingest flushes and commits; schedule finishes its run).
 */
export function untilSignal(stop: () => Promise<void>, log: Logger, stopping = 'flushing buffers and committing offsets'): Promise<void> {
  return new Promise((resolve, reject) => {
    const onSignal = (signal: string) => {
      log.info({ signal }, `Stopping: ${stopping}`);
      stop().then(resolve, reject);
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}

/**
 * Keeps the process alive until `until` settles, and passes its outcome on. A service role's own
 * timers are unref'd and a Kafka client between reconnect attempts may hold no socket, so while a
 * broker restarts nothing else keeps the event loop busy: measured (test/faults/broker-restart),
 * `driftwatch ingest` then ended with exit code 0 and its last log lines unwritten.
 */
export async function keepAliveUntil<T>(until: Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 60_000);
  try {
    return await until;
  } finally {
    clearInterval(timer);
  }
}

/**
 * Ends a service command's process once its graceful stop has finished (offsets committed, store
 * closed; log lines are written synchronously). A client library may still hold a timer then —
 * measured (test/faults/broker-restart, 2026-12-06): kafkajs's reconnect back-off from a broker
 * restart kept a stopped `driftwatch ingest` alive for more than 120 s after "Ingest stopped" —
 * and an orchestrator waiting for the exit would kill it, or a rolling restart would stall.
 */
export function exitStoppedService(): never {
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
}
