import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `driftwatch alerts …` as a user runs it: child processes on one embedded data directory. */
const BIN = fileURLToPath(new URL('../bin/driftwatch.js', import.meta.url));
const SEED = fileURLToPath(new URL('./helpers/seed-alerts.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'dw-cli-alerts-'));
const env = { ...process.env, DRIFTWATCH_DATA_DIR: dataDir, CLICKHOUSE_URL: '', LOG_LEVEL: 'warn' };

const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 120_000 });

describe('driftwatch alerts', () => {
  it('lists what fired with filters, and triages: ack, comment, assign, resolve; refuses a bad transition', () => {
    const seeded = spawnSync(process.execPath, ['--import', 'tsx', SEED, dataDir], { encoding: 'utf8', env, timeout: 120_000 });
    expect(seeded.status, seeded.stderr).toBe(0);
    const id = seeded.stdout.trim();

    const list = run(['alerts', 'list', '--json', '--severity', 'high']);
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({ total: 1, countsByStatus: { open: 1 }, items: [{ id, status: 'open' }] });

    expect(run(['alerts', 'ack', id, '--as', 'ana']).stdout).toContain(`${id} acknowledged`);
    expect(run(['alerts', 'comment', id, 'checking the key owner', '--as', 'ana']).status).toBe(0);
    expect(run(['alerts', 'assign', id, 'bo', '--as', 'ana']).stdout).toContain('assignee=bo');
    expect(run(['alerts', 'resolve', id, '--note', 'key revoked', '--as', 'bo']).stdout).toContain(`${id} resolved`);
    const bad = run(['alerts', 'ack', id]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('ALERT_BAD_TRANSITION');

    const shown = JSON.parse(run(['alerts', 'show', id]).stdout);
    expect(shown).toMatchObject({ status: 'resolved', reason: 'key revoked', assignee: 'bo', comments: [{ actor: 'ana', text: 'checking the key owner' }] });
    expect(shown.history.map((h: { action: string }) => h.action)).toEqual(['ack', 'comment', 'assign', 'resolve']);

    const table = run(['alerts', 'list', '--status', 'open,resolved', '--team', 'team-data']);
    expect(table.stdout).toContain('team-data');
    expect(table.stdout).not.toContain(id);
    expect(run(['alerts', 'show', 'dw-none']).stderr).toContain('ALERT_NOT_FOUND');
  });
});
