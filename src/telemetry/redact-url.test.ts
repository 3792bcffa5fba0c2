import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { redactUrl, redactUrlsIn } from './redact-url.ts';
import { logFormat, loggerOptions } from './logger.ts';
import { openStore } from '../store/store.ts';
import { AppError } from '../errors.ts';

describe('credential redaction', () => {
  it('masks user and password of a URL, and leaves a URL without them alone', () => {
    expect(redactUrl('http://alice:s3cret@ch.example:8443/db')).toBe('http://***:***@ch.example:8443/db');
    expect(redactUrl('http://ch.example:8123')).toBe('http://ch.example:8123');
    expect(redactUrlsIn('cannot reach https://bob:pw@h:1 and http://h2')).toBe('cannot reach https://***:***@h:1 and http://h2');
  });

  it('CH_UNAVAILABLE never prints the credentials of CLICKHOUSE_URL', async () => {
    // Port 1 on loopback refuses at once: an unreachable server without waiting for a timeout.
    const url = 'http://alice:s3cret@127.0.0.1:1';
    const err = await openStore({ url, dataDir: '', database: 'driftwatch', username: 'alice', password: 's3cret' }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CH_UNAVAILABLE');
    expect((err as AppError).message).toMatch(/^cannot reach ClickHouse at http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:1\/?$/);
    expect(JSON.stringify((err as AppError).context)).not.toContain('s3cret');
  });

  it('log lines mask credentials in fields, messages and errors', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
    const log = pino(loggerOptions('info'), sink);
    log.info({ url: 'http://alice:s3cret@h:1', location: 'http://alice:s3cret@h:1' }, 'Connecting');
    log.info('Connecting to http://alice:s3cret@h:1');
    log.error({ err: new Error('refused by http://alice:s3cret@h:1') }, 'Failed');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).not.toContain('s3cret');
    expect(lines.join('')).toContain('***:***@h:1');
  });
});

describe('log format', () => {
  it('is pretty on a terminal, JSON otherwise, and LOG_FORMAT overrides', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });
});
