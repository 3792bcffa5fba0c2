import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI as a user runs it: a child process, real embedded engine, stdout/stderr and exit code. */
const BIN = fileURLToPath(new URL('../bin/driftwatch.js', import.meta.url));
const sample = (name: string) => fileURLToPath(new URL(`../schemas/samples/${name}.json`, import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'dw-cli-'));
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DRIFTWATCH_DATA_DIR: dataDir, CLICKHOUSE_URL: process.env['CLICKHOUSE_URL'] ?? '', LOG_LEVEL: 'warn', ...env },
    timeout: 120_000,
  });
}

describe('driftwatch CLI', () => {
  it('replay --json counts records (pages and envelopes once per record) and rejects by reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-cli-files-'));
    const ndjson = join(dir, 'mixed.ndjson');
    const spend = JSON.stringify(JSON.parse(readFileSync(sample('litellm-spend-log'), 'utf8')));
    writeFileSync(ndjson, `${spend}\n{"not":"a gateway record"}\n{broken\n\n${spend}\n`);
    const res = run(['replay', '--source', 'gateway', '--json', ndjson, sample('kong-ai')]);
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      accepted: 3, rejected: 2,
      byFormat: { 'litellm.spend_log': 2, 'kong.ai_proxy': 1 },
      rejectReasons: { unknown_format: 1, invalid_json: 1 },
    });
  });

  it('replay counts an Entra diagnostic envelope once per record it contains', () => {
    const res = run(['replay', '--source', 'idp', '--json', sample('entra-diagnostic-envelope')]);
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ accepted: 2, rejected: 0, byFormat: { 'entra.signin': 2 } });
  });

  it('--check-config prints every problem and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-cli-cfg-'));
    const cfg = join(dir, 'c.yaml');
    writeFileSync(cfg, 'kafka:\n  brokers: []\nlogLevel: loud\n');
    const res = run(['--config', cfg, '--check-config'], { LOG_LEVEL: '', KAFKA_BROKERS: '' });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/kafka\.brokers/);
    expect(res.stderr).toMatch(/logLevel/);
    expect(run(['--check-config']).status).toBe(0);
  });

  it('every command has --help', () => {
    for (const cmd of ['ingest', 'replay', 'produce', 'migrate', 'detect', 'schedule', 'backtest', 'detectors', 'policy']) {
      const res = run([cmd, '--help']);
      expect(res.status, cmd).toBe(0);
      expect(res.stdout, cmd).toMatch(/Usage: driftwatch/);
    }
  });
});

