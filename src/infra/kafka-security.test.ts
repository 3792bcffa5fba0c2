import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { AppError } from '../errors.ts';
import { kafkaSecurity } from './kafka-security.ts';

const dir = mkdtempSync(join(tmpdir(), 'dw-kafka-sec-'));
const write = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('kafka security config', () => {
  it('SCRAM: username in the file, password from the environment', () => {
    const config = loadConfig({ file: write('a.yaml', 'kafka:\n  sasl: { mechanism: scram-sha-256, username: dw }\n'), env: { KAFKA_SASL_PASSWORD: 's3cret' } });
    expect(kafkaSecurity(config.kafka).sasl).toEqual({ mechanism: 'scram-sha-256', username: 'dw', password: 's3cret' });
  });

  it('PLAIN with the password from a file, TLS with CA and client certificate files', () => {
    const pw = write('pw', 'from-file\n');
    const ca = write('ca.pem', 'CA');
    const cert = write('c.pem', 'CERT');
    const key = write('c.key', 'KEY');
    const config = loadConfig({ file: write('b.json', JSON.stringify({ kafka: { sasl: { mechanism: 'plain', username: 'dw', passwordFile: pw }, ssl: { caFile: ca, certFile: cert, keyFile: key } } })), env: {} });
    const security = kafkaSecurity(config.kafka);
    expect(security.sasl).toEqual({ mechanism: 'plain', username: 'dw', password: 'from-file' });
    expect(security.ssl).toEqual({ rejectUnauthorized: true, ca: ['CA'], cert: 'CERT', key: 'KEY' });
  });

  it('OAUTHBEARER re-reads its token file at every authentication', async () => {
    const tokenFile = write('token', 'first');
    const config = loadConfig({ file: write('c.json', JSON.stringify({ kafka: { sasl: { mechanism: 'oauthbearer', tokenFile } } })), env: {} });
    const sasl = kafkaSecurity(config.kafka).sasl as { oauthBearerProvider: () => Promise<{ value: string }> };
    expect((await sasl.oauthBearerProvider()).value).toBe('first');
    writeFileSync(tokenFile, 'rotated');
    expect((await sasl.oauthBearerProvider()).value).toBe('rotated');
  });

  it('every missing secret is reported at start-up', () => {
    try {
      loadConfig({ file: write('d.yaml', 'kafka:\n  sasl: { mechanism: scram-sha-512 }\n  ssl: { certFile: x.pem }\n'), env: {} });
      expect.unreachable();
    } catch (err) {
      const issues = (err as AppError).context['issues'] as string[];
      expect(issues.some((i) => i.startsWith('kafka.sasl.username'))).toBe(true);
      expect(issues.some((i) => i.startsWith('kafka.sasl.passwordFile'))).toBe(true);
      expect(issues.some((i) => i.includes('certFile and keyFile'))).toBe(true);
    }
    expect(() => loadConfig({ env: { KAFKA_SASL_MECHANISM: 'oauthbearer' } })).toThrow(/tokenFile/);
  });
});
