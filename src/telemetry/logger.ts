import { pino, type Logger } from 'pino';

/**
 * One structured logger for the process. Logs go to stderr so that commands printing results on
 * stdout (`replay --json`, `detect`) stay machine-readable.
 */
export function createLogger(level: string = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ level, base: { service: 'driftwatch' } }, pino.destination(2));
}

export type { Logger };
