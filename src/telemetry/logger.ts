import { pino, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import { redactUrlsIn } from './redact-url.ts';

export type LogFormat = 'json' | 'pretty';

/**
 * Pretty on a terminal (a person reads it), JSON otherwise (a collector parses it);
 * `LOG_FORMAT=json|pretty` overrides either way.
 */
export function logFormat(env: NodeJS.ProcessEnv = process.env, isTty = Boolean(process.stderr.isTTY)): LogFormat {
  const asked = env['LOG_FORMAT']?.toLowerCase();
  if (asked === 'json' || asked === 'pretty') return asked;
  return isTty ? 'pretty' : 'json';
}

/** Any string a log line carries that holds `scheme://user:pass@` is logged with its credentials masked. */
const censorUrl = (value: unknown): unknown => (typeof value === 'string' ? redactUrlsIn(value) : value);

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { service: 'driftwatch' },
    redact: { paths: ['url', '*.url', 'location', '*.location', 'clickhouse.url', 'err.message', 'err.stack'], censor: censorUrl },
    hooks: {
      // The message text is not a redact path; the hook masks URLs written into it.
      logMethod(args, method) {
        const masked = args.map((a) => (typeof a === 'string' ? redactUrlsIn(a) : a)) as Parameters<typeof method>;
        method.apply(this, masked);
      },
    },
  };
}

/**
 * One structured logger for the process. Logs go to stderr so that commands printing results on
 * stdout (`replay --json`, `detect`) stay machine-readable.
 */
export function createLogger(level: string = process.env['LOG_LEVEL'] ?? 'info', format: LogFormat = logFormat()): Logger {
  if (format === 'pretty') {
    // Synchronous pretty stream on fd 2 (no worker thread): a CLI that exits right after logging keeps its last lines.
    return pino(loggerOptions(level), prettyStream());
  }
  return pino(loggerOptions(level), pino.destination(2));
}

function prettyStream(): NodeJS.WritableStream {
  return pretty({ destination: 2, sync: true, colorize: Boolean(process.stderr.isTTY), translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname,service' });
}

export type { Logger };
