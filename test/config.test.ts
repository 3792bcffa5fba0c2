import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { AppError } from '../src/errors.ts';

const file = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

describe('configuration', () => {
  it('parses a file that sets every option', () => {
    const config = loadConfig({ file: file('./fixtures/config.complete.yaml'), env: {} });
    expect(config.kafka.brokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(config.kafka.topics.agent).toBe('ag');
    expect(config.clickhouse.url).toBe('http://clickhouse:8123');
    expect(config.ingest).toMatchObject({ decodeWorkers: 1, storePromptText: true, maxBatchRows: 1000, storeOutage: { retryMaxDelayMs: 10_000, giveUpAfterMs: 600_000 } });
    expect(config.alerts.destinations.map((d) => d.type)).toEqual(['webhook', 'slack', 'pagerduty', 'splunk_hec', 'kafka', 'stdout']);
    expect(config.alerts.routes[0]?.match.audience).toEqual(['soc']);
    expect(config.alerts.dispatcher).toMatchObject({ maxAttempts: 5, timeoutMs: 3000 });
    expect(config.service).toMatchObject({ leaseTtlMs: 20_000, detectPollSeconds: 30, detectLanes: 3 });
  });

  it('alerts: route destinations must exist; secrets and urls are required where the type needs them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-config-'));
    const bad = join(dir, 'alerts.yaml');
    writeFileSync(bad, [
      'alerts:',
      '  destinations:',
      '    - { name: hook, type: webhook, url: "https://x.example.com" }',
      '    - { name: slack, type: slack }',
      '  routes:',
      '    - { match: {}, destinations: [hook, nowhere] }',
      '',
    ].join('\n'));
    try {
      loadConfig({ file: bad, env: {} });
      expect.unreachable();
    } catch (err) {
      const issues = (err as AppError).context['issues'] as string[];
      expect(issues.some((i) => i.startsWith('alerts.routes.0.destinations.1') && i.includes('nowhere'))).toBe(true);
      expect(issues.some((i) => i.startsWith('alerts.destinations.0.secretFromEnv'))).toBe(true);
      expect(issues.some((i) => i.startsWith('alerts.destinations.1.url'))).toBe(true);
    }
  });

  it('ingest.storeOutage: waits for the store by default; a retry delay under 200 ms or a negative give-up time is refused', () => {
    expect(loadConfig({ env: {} }).ingest.storeOutage).toEqual({ retryMaxDelayMs: 30_000, giveUpAfterMs: 0 });
    expect(() => loadConfig({ env: {}, overrides: { 'ingest.storeOutage.retryMaxDelayMs': 50 } })).toThrow(AppError);
    expect(() => loadConfig({ env: {}, overrides: { 'ingest.storeOutage.giveUpAfterMs': -1 } })).toThrow(AppError);
  });

  it('takes the API tokens from the environment', () => {
    const config = loadConfig({ env: { DRIFTWATCH_READ_TOKEN: 'r'.repeat(20), DRIFTWATCH_WRITE_TOKEN: 'w'.repeat(20) } });
    expect(config.api).toEqual({ readToken: 'r'.repeat(20), writeToken: 'w'.repeat(20) });
    expect(() => loadConfig({ env: { DRIFTWATCH_READ_TOKEN: 'short' } })).toThrow(/api.readToken/);
  });

  it('parses config.example.yaml, and the environment overrides the file', () => {
    const config = loadConfig({ file: file('../config.example.yaml'), env: { KAFKA_BROKERS: 'a:1, b:2', CLICKHOUSE_URL: 'http://ch:8123', DRIFTWATCH_STORE_PROMPT_TEXT: 'true' } });
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.clickhouse.url).toBe('http://ch:8123');
    expect(config.ingest.storePromptText).toBe(true);
    expect(config.kafka.topics.gateway).toBe('driftwatch.gateway');
  });

  it('defaults to the embedded engine and the documented topics with no file at all', () => {
    const config = loadConfig({ env: {} });
    expect(config.clickhouse.url).toBeUndefined();
    expect(config.clickhouse.dataDir).toBe('./.driftwatch/data');
    expect(Object.values(config.kafka.topics)).toEqual(['driftwatch.gateway', 'driftwatch.billing', 'driftwatch.idp', 'driftwatch.agent']);
  });

  it('reports every problem at once, unknown keys included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-config-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'kafka:\n  brokers: []\n  topic: x\nclickhouse:\n  url: not a url\ningest:\n  maxBatchRows: -5\nlogLevel: loud\n');
    try {
      loadConfig({ file: bad, env: {} });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      const issues = (err as AppError).context['issues'] as string[];
      expect(issues.some((i) => i.startsWith('kafka.brokers'))).toBe(true);
      expect(issues.some((i) => i.includes('topic'))).toBe(true);
      expect(issues.some((i) => i.startsWith('clickhouse.url'))).toBe(true);
      expect(issues.some((i) => i.startsWith('ingest.maxBatchRows'))).toBe(true);
      expect(issues.some((i) => i.startsWith('logLevel'))).toBe(true);
    }
  });
});
