import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Store } from './store.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { Lease } from '../service/lease.ts';

export const DDL_DIR = fileURLToPath(new URL('../../schemas/clickhouse/', import.meta.url));
/** The lease table migrations lock with: created before any migration runs (its DDL is idempotent). */
const LEASES_DDL = '0015_leases.sql';

export interface MigrateOptions {
  /** Lease TTL of the `migrations` lock; renewed every third of it while migrating. */
  lockTtlMs?: number;
  /** How often a replica waiting for the lock looks again. */
  lockPollMs?: number;
}

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  checksum: string;
}

/** Statements are separated by `;` at the end of a line; `--` comments are kept (they document why). */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.replace(/--.*$/gm, '').trim() !== '');
}

export function readMigrations(dir: string = DDL_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        statements: splitStatements(sql),
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Applies every migration not yet recorded in `schema_migrations`, in order, and records it.
 * Safe to re-run: statements are `IF NOT EXISTS` and applied versions are skipped. A changed file
 * of an applied version is reported, not re-applied: DDL history is append-only.
 *
 * Replicas that start together on an empty ClickHouse must not run the same migration at once
 * (0012's rebuild drops and re-creates `*_rebuild` tables; two at once would trip on each other),
 * so the whole run holds the `migrations` lease; the others wait for it, then find everything applied.
 * Editing 0012 to `IF NOT EXISTS` would not be enough (two copies into one rebuild table double
 * the rows) and would change an applied file's checksum.
 */
export async function migrate(store: Store, log?: Logger, dir: string = DDL_DIR, options: MigrateOptions = {}): Promise<number[]> {
  const { client } = store;
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations
      (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  for (const statement of splitStatements(readFileSync(join(DDL_DIR, LEASES_DDL), 'utf8'))) await client.command({ query: statement });
  const ttlMs = options.lockTtlMs ?? 15_000;
  const lock = new Lease({ store, name: 'migrations', ttlMs });
  let waited = false;
  while (!(await lock.tryAcquire())) {
    if (!waited) log?.info({ holder: (await lock.read())?.holder }, 'Another replica is migrating; waiting for the migrations lease');
    waited = true;
    await sleep(options.lockPollMs ?? 1_000);
  }
  // Renewed in the background: 0012 copies whole tables and may take longer than the TTL.
  let renewing: Promise<void> = Promise.resolve();
  const heartbeat = setInterval(() => {
    renewing = lock.tryAcquire().then(
      (held) => { if (!held) log?.error('Lost the migrations lease while migrating; another replica may start migrating'); },
      (err: unknown) => log?.warn({ err: String(err) }, 'Could not renew the migrations lease'),
    );
  }, Math.max(100, Math.floor(ttlMs / 3)));
  try {
    return await applyPending(store, log, dir);
  } finally {
    clearInterval(heartbeat);
    // A renewal still in flight must not re-take the lease after the release.
    await renewing;
    await lock.release().catch(() => undefined);
  }
}

async function applyPending(store: Store, log: Logger | undefined, dir: string): Promise<number[]> {
  const { client } = store;
  const res = await client.query({ query: 'SELECT version, checksum FROM schema_migrations FINAL', format: 'JSONEachRow' });
  const applied = new Map((await res.json<{ version: number; checksum: string }>()).map((r) => [Number(r.version), r.checksum]));
  const done: number[] = [];
  for (const m of readMigrations(dir)) {
    const known = applied.get(m.version);
    if (known !== undefined) {
      if (known !== m.checksum) log?.warn({ migration: m.name }, 'Applied migration file changed since; add a new migration instead');
      continue;
    }
    // Some migrations copy whole tables (0012): say which one runs before it does.
    log?.info({ migration: m.name, statements: m.statements.length }, 'Applying migration');
    const started = performance.now();
    for (const statement of m.statements) {
      try {
        await client.command({ query: statement });
      } catch (err) {
        throw new AppError('CH_MIGRATION_FAILED', `migration ${m.name} failed`, { migration: m.name }, false, { cause: err });
      }
    }
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: '' },
    });
    log?.info({ migration: m.name, seconds: +((performance.now() - started) / 1000).toFixed(1) }, 'Applied migration');
    done.push(m.version);
  }
  return done;
}
