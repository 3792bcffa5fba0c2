import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Store } from './store.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../telemetry/logger.ts';

export const DDL_DIR = fileURLToPath(new URL('../../schemas/clickhouse/', import.meta.url));

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

/**
 * Applies every migration not yet recorded in `schema_migrations`, in order, and records it.
 * Safe to re-run: statements are `IF NOT EXISTS` and applied versions are skipped. A changed file
 * of an applied version is reported, not re-applied: DDL history is append-only.
 */
export async function migrate(store: Store, log?: Logger, dir: string = DDL_DIR): Promise<number[]> {
  const { client } = store;
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations
      (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = ReplacingMergeTree ORDER BY version`,
  });
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
