import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from './store.ts';
import { AppError } from '../errors.ts';

const root = mkdtempSync(join(tmpdir(), 'driftwatch-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cfg = (dataDir: string) => ({ dataDir, database: 'driftwatch', username: 'default', password: '' });

async function openError(dataDir: string): Promise<AppError> {
  const err = await openStore(cfg(dataDir)).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('embedded data directory', () => {
  it('a data directory that is a file is a STORE_DIR_INVALID AppError', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const err = await openError(file);
    expect(err.code).toBe('STORE_DIR_INVALID');
    expect(err.message).toMatch(/is not a directory \(a file is in the way\); set DRIFTWATCH_DATA_DIR/);
    expect((await openError(join(file, 'data'))).code).toBe('STORE_DIR_INVALID');
  });

  it('a data directory that cannot be written is a STORE_DIR_INVALID AppError', async () => {
    // Root ignores file modes, so the read-only case is only observable as another user.
    if (process.getuid?.() === 0) return;
    const ro = join(root, 'read-only');
    mkdirSync(ro, { mode: 0o555 });
    const err = await openError(join(ro, 'data'));
    expect(err.code).toBe('STORE_DIR_INVALID');
    expect(err.message).toMatch(/cannot be written/);
  });

  it('a store held by another process is a STORE_LOCKED AppError naming its pid and what to run', async () => {
    const dataDir = join(root, 'held');
    // A real second process holds the engine's lock, as `ingest` would.
    const holder = spawn(process.execPath, ['--import', 'tsx', '-e', `
      const { openStore } = await import(${JSON.stringify(new URL('./store.ts', import.meta.url).href)});
      await openStore(${JSON.stringify(cfg(dataDir))});
      process.stdout.write('open\\n');
      setInterval(() => {}, 1000);
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d: Buffer) => { if (d.toString().includes('open')) resolve(); });
        holder.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
      });
      const err = await openError(dataDir);
      expect(err.code).toBe('STORE_LOCKED');
      expect(err.message).toContain(`in use by another process (pid ${holder.pid})`);
      expect(err.message).toContain('driftwatch run');
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
