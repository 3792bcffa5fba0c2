import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import { maskDeep, maskSecrets } from '../normalize/secrets.ts';
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

/** Credentials in a URL (`scheme://user:pass@`) and credential-looking values, masked. */
const maskText = (s: string): string => maskSecrets(redactUrlsIn(s));
const censor = (value: unknown): unknown => (typeof value === 'string' ? maskText(value) : value);

/**
 * Every argument of every log call passes the secret rules first (normalize/secrets.ts) and has
 * URL credentials masked: a log line quotes reject details, alert fields, engine errors and
 * `CLICKHOUSE_URL`, and a credential must leave the process only as a fingerprint. Errors pass
 * through the hook whole (pino serialises them); their message and stack are redact paths.
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { service: 'driftwatch' },
    redact: { paths: ['err.message', 'err.stack'], censor },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((a: unknown) => (typeof a === 'string' ? maskText(a) : a instanceof Error ? a : maskDeep(a, maskText)));
        method.apply(this, masked as Parameters<typeof method>);
      },
    },
  };
}

/**
 * One structured logger for the process. Logs go to stderr so that commands printing results on
 * stdout (`replay --json`, `detect`) stay machine-readable. A given destination gets JSON.
 */
export function createLogger(level: string = process.env['LOG_LEVEL'] ?? 'info', destination?: DestinationStream, format: LogFormat = logFormat()): Logger {
  if (destination) return pino(loggerOptions(level), destination);
  // Synchronous pretty stream on fd 2 (no worker thread): a CLI that exits right after logging keeps its last lines.
  if (format === 'pretty') return pino(loggerOptions(level), prettyStream());
  return pino(loggerOptions(level), pino.destination(2));
}

function prettyStream(): DestinationStream {
  return pretty({ destination: 2, sync: true, colorize: Boolean(process.stderr.isTTY), translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname,service' });
}

export type { Logger };
