import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { migrate } from '../store/migrate.ts';
import { withRollups } from '../store/rollups.ts';
import { openStore, type Store } from '../store/store.ts';

/**
 * A migrated store for tests: a fresh database on CLICKHOUSE_URL when set, otherwise the embedded
 * engine in a fresh temp directory. chdb allows ONE data directory per process, and vitest runs
 * each test file in its own process (forks pool), so this is a per-process singleton: every
 * caller in a test file shares it, and isolates its cases by truncating the tables it uses.
 */

export interface ScratchStore {
  store: Store;
  config: Config;
}

let shared: Promise<ScratchStore> | undefined;
let root: string | undefined;

const PREFIX = 'driftwatch-test-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp directories of test processes that are gone. vitest ends its forked workers
 * without running 'exit' handlers, so each process cleans up after its dead predecessors instead.
 */
function sweepDeadProcessDirs(base: string): void {
  for (const entry of readdirSync(base)) {
    const pid = Number(/^driftwatch-test-(\d+)-/.exec(entry)?.[1]);
    if (pid > 0 && pid !== process.pid && !alive(pid)) rmSync(join(base, entry), { recursive: true, force: true });
  }
}

/**
 * Where the per-process roots live: DRIFTWATCH_SCRATCH_DIR, else the OS temp dir. The engine opened
 * here stays open as long as the process (chdb: one data directory per process) and keeps merging
 * parts in the background, so its folder must not sit inside one that is removed earlier: the
 * test set-up (test/helpers/temp-root.ts) points TMPDIR at a folder per test file and names the
 * real temp dir here. The sweep above removes a root once its process is gone.
 */
function scratchBase(): string {
  return process.env['DRIFTWATCH_SCRATCH_DIR'] || tmpdir();
}

/** This process's temp directory (engine data, fixture files), named by pid for the sweep. */
export function scratchDir(name: string): string {
  if (root === undefined) {
    const base = scratchBase();
    sweepDeadProcessDirs(base);
    root = mkdtempSync(join(base, `${PREFIX}${process.pid}-`));
  }
  const path = join(root, name);
  mkdirSync(path, { recursive: true });
  return path;
}

async function open(): Promise<ScratchStore> {
  const env: Record<string, string | undefined> = {
    DRIFTWATCH_DATA_DIR: scratchDir('chdb'),
    CLICKHOUSE_URL: process.env['CLICKHOUSE_URL'],
    CLICKHOUSE_USER: process.env['CLICKHOUSE_USER'],
    CLICKHOUSE_PASSWORD: process.env['CLICKHOUSE_PASSWORD'],
    CLICKHOUSE_DATABASE: `driftwatch_test_${process.pid}_${Date.now().toString(36)}`,
    LOG_LEVEL: 'silent',
  };
  const config = loadConfig({ env });
  const store = await openStore(config.clickhouse);
  await migrate(store);
  return { store, config };
}

export function sharedScratchStore(): Promise<ScratchStore> {
  shared ??= open();
  return shared;
}

/** Empties tables, and the roll-ups of source tables, between test cases (TRUNCATE is cheap on both engines). */
export async function truncateTables(store: Store, tables: readonly string[]): Promise<void> {
  for (const table of withRollups(tables)) await store.client.command({ query: `TRUNCATE TABLE IF EXISTS ${table}` });
}
