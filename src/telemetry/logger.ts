import { pino, type DestinationStream, type Logger } from 'pino';
import { maskDeep, maskSecrets } from '../normalize/secrets.ts';

/**
 * One structured logger for the process. Logs go to stderr so that commands printing results on
 * stdout (`replay --json`, `detect`) stay machine-readable.
 *
 * Every argument of every log call passes the secret rules first (normalize/secrets.ts): a log
 * line quotes reject details, alert fields and engine errors, and a credential must leave the
 * process only as a fingerprint. Errors are logged as their message text throughout the project.
 */
export function createLogger(level: string = process.env['LOG_LEVEL'] ?? 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'driftwatch' },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a: unknown) => (typeof a === 'string' ? maskSecrets(a) : a instanceof Error ? a : maskDeep(a, maskSecrets)));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination(2),
  );
}

export type { Logger };
