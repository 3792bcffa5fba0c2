import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI as a user runs it: a child process, real embedded engine, stdout/stderr and exit code. */
const BIN = fileURLToPath(new URL('../bin/driftwatch.js', import.meta.url));
const sample = (name: string) => fileURLToPath(new URL(`../schemas/samples/${name}.json`, import.meta.url));

// Every folder a test makes lives under one root, removed at the end (the engine's data is MBs).
const root = mkdtempSync(join(tmpdir(), 'dw-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tempDir = (prefix: string) => mkdtempSync(join(root, prefix));

function run(args: string[], env: Record<string, string> = {}) {
  const dataDir = tempDir('data-');
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DRIFTWATCH_DATA_DIR: dataDir, CLICKHOUSE_URL: process.env['CLICKHOUSE_URL'] ?? '', LOG_LEVEL: 'warn', ...env },
    timeout: 120_000,
  });
}

describe('driftwatch CLI', () => {
  it('replay --json counts records (pages and envelopes once per record) and rejects by reason', () => {
    const dir = tempDir('files-');
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

  it('replay judges each NDJSON line on its own when the first line is broken', () => {
    const file = join(tempDir('files-'), 'broken-first.ndjson');
    const spend = JSON.stringify(JSON.parse(readFileSync(sample('litellm-spend-log'), 'utf8')));
    writeFileSync(file, `{broken\n${spend}\n${spend}\n${spend}\n`);
    const res = run(['replay', '--source', 'gateway', '--json', file]);
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ accepted: 3, rejected: 1, rejectReasons: { invalid_json: 1 } });
  });

  it('replay splits a JSON array of 5,000 records before the per-record size limit', () => {
    const file = join(tempDir('files-'), 'many.json');
    const spend = JSON.parse(readFileSync(sample('litellm-spend-log'), 'utf8')) as Record<string, unknown>;
    const records = Array.from({ length: 5000 }, (_, i) => ({ ...spend, request_id: `req-${i}` }));
    writeFileSync(file, JSON.stringify(records));
    expect(readFileSync(file).length).toBeGreaterThan(1024 * 1024);
    const res = run(['replay', '--source', 'gateway', '--json', file]);
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ accepted: 5000, rejected: 0 });
  });

  it('replay that accepts nothing says "0 accepted" and exits 1', () => {
    const res = run(['replay', '--source', 'idp', sample('litellm-spend-log')]);
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(/^accepted 0 /);
    expect(res.stderr).toMatch(/0 accepted: no record of this file was stored \(1 rejected: unknown_format 1\); is --source idp the right source\?/);
  });

  it('--check-config prints every problem and exits 1', () => {
    const dir = tempDir('cfg-');
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


describe('driftwatch detectors list --params', () => {
  it('shows every parameter with its default and the policy\'s organisation-wide and per-team overrides', () => {
    const policy = join(tempDir('policy-'), 'policy.yaml');
    const example = readFileSync(fileURLToPath(new URL('../policy.example.yaml', import.meta.url)), 'utf8').replace(/^detectors: \{\}\n/m, '');
    writeFileSync(policy, `${example}\ndetectors:\n  gateway.prompt-log-gap:\n    params: { maxPValue: 0.01 }\n    teams:\n      team-ml: { minRequests: 5 }\n`);
    const res = run(['detectors', 'list', '--params', '--policy', policy]);
    expect(res.status, res.stderr).toBe(0);
    const line = (param: string) => res.stdout.split('\n').find((l) => l.startsWith('gateway.prompt-log-gap') && l.includes(` ${param} `)) ?? '';
    expect(line('maxPValue')).toMatch(/Float64\s+0\.001\s+0\.01\s+-/);
    expect(line('minRequests')).toMatch(/UInt32\s+20\s+-\s+team-ml=5/);
    expect(res.stdout).toMatch(/billing\.spend-above-approved\s+minDailyUsd\s+Float64\s+1\s/);

    writeFileSync(policy, `${example}\ndetectors:\n  gateway.prompt-log-gap:\n    params: { maxPValue: 2 }\n`);
    const bad = run(['policy', 'check', policy]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/policy\.yaml:\d+:\d+ detectors\.gateway\.prompt-log-gap\.params\.maxPValue: /);
  });
});
