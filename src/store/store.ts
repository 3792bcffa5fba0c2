import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { columnsOf, encodeTsv } from './tsv.ts';
import type { Config } from '../config/schema.ts';
import { AppError } from '../errors.ts';
import { prepareDataDir, storeHolder, storeLockedError } from './embedded-dir.ts';
import { redactUrl } from '../telemetry/redact-url.ts';
import { inlineParams } from './inline-params.ts';
import type { createChdbConnection as createChdbConnectionType } from 'chdb/connection';

/**
 * Settings every query and insert relies on, pinned so the embedded engine (chdb) and a server
 * behave the same. chdb defaults to async_insert=1, under which insert_deduplication_token is not
 * applied the same way, and its SET-per-session model would otherwise leak one insert's token
 * into the next (shared/reference/kafka-and-clickhouse.md).
 */
export const PINNED_SETTINGS: ClickHouseSettings = {
  async_insert: 0,
  date_time_input_format: 'basic',
  input_format_skip_unknown_fields: 0,
  insert_deduplicate: 1,
  // A block skipped as a duplicate is skipped by the roll-up views too (0010_rollups.sql).
  deduplicate_blocks_in_dependent_materialized_views: 1,
  output_format_json_quote_64bit_integers: 1,
};

export interface Store {
  readonly client: ClickHouseClient;
  readonly kind: 'server' | 'embedded';
  readonly database: string;
  /** Human-readable location, for logs. */
  readonly location: string;
  /**
   * Bulk insert on the ingest hot path (TabSeparated, see tsv.ts), with an explicit
   * deduplication token ('' = none). Same rows, same token → stored once.
   */
  insertRows(table: string, rows: readonly object[], dedupToken: string): Promise<void>;
  /** The same with rows already encoded as TabSeparated for `columns`. */
  insertTsv(table: string, columns: readonly string[], payload: Uint8Array, dedupToken: string): Promise<void>;
  /**
   * Another connection to the same store whose statements run alongside this one's: the embedded
   * engine runs one statement at a time per session, so work that must not queue behind another's
   * (detection beside ingest, detectors side by side) takes a fork. A server's HTTP client already
   * runs requests concurrently; its fork shares the client. Close a fork before its parent.
   */
  fork(): Promise<Store>;
  close(): Promise<void>;
}

type InsertTsv = Store['insertTsv'];

/** insertRows on top of a store's insertTsv: the column list is the rows' own keys. */
function rowInserter(insertTsv: InsertTsv): Store['insertRows'] {
  return (table, rows, dedupToken) => {
    const columns = columnsOf(rows);
    return insertTsv(table, columns, encodeTsv(rows, columns), dedupToken);
  };
}

interface ChdbRawInsert {
  chdb: { rawInsert(p: { table: string; values: Uint8Array; format: 'TabSeparated'; columns: readonly string[]; settings: Record<string, string | number> }): Promise<unknown> };
}

// chdb holds one on-disk engine per process; a second path in the same process is a bug.
let embeddedPath: string | undefined;

async function openEmbedded(dataDir: string, database: string): Promise<Store> {
  const path = resolve(dataDir);
  if (embeddedPath !== undefined && embeddedPath !== path) {
    throw new AppError('CH_UNAVAILABLE', `embedded ClickHouse is already open at ${embeddedPath}; one data directory per process`, { path });
  }
  prepareDataDir(path);
  const { createChdbConnection } = await import('chdb/connection');
  let connection: ReturnType<typeof createChdbConnection>;
  try {
    connection = createChdbConnection({ path });
  } catch (err) {
    // Another process took the lock between the check and the open, or holds it unseen.
    if ((err as { code?: unknown }).code === 'CHDB_CONNECTION') throw storeLockedError(path, storeHolder(path), err);
    throw err;
  }
  embeddedPath = path;
  return embeddedSession(connection, path, database, () => createChdbConnection({ path }));
}

type ChdbConnection = ReturnType<typeof createChdbConnectionType>;

/** The longest statement text the embedded engine parses, parameters inlined: 256 MiB. */
const INLINED_QUERY_MAX_BYTES = 256 * 1024 * 1024;

/**
 * The session with its statements' parameters written into their text (inline-params.ts): chdb
 * runs parameterized statements one at a time per process, plain ones side by side.
 */
function withInlineParams(connection: ChdbConnection): ChdbConnection {
  type Statement = { query: string; query_params?: Record<string, unknown> };
  const inline = <P extends Statement>(p: P): P =>
    p.query_params && Object.keys(p.query_params).length > 0 ? { ...p, query: inlineParams(p.query, p.query_params), query_params: undefined } : p;
  const statements = new Set<PropertyKey>(['query', 'command', 'exec']);
  return new Proxy(connection, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return statements.has(prop)
        ? (p: Statement, ...rest: unknown[]) => (value as (...a: unknown[]) => unknown).call(target, inline(p), ...rest)
        : (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

/** A store over one chdb session; `fork` opens another session on the same engine. */
async function embeddedSession(connection: ChdbConnection, path: string, database: string, openSession: () => ChdbConnection): Promise<Store> {
  const client = createClient({
    // chdb builds against its own copy of @clickhouse/client-common; the shapes match at runtime.
    connection: withInlineParams(connection) as never,
    clickhouse_settings: PINNED_SETTINGS,
  });
  // The client's insert() path re-concatenates the body into one SQL string; chdb's raw insert
  // hands the bytes to the engine's parallel parser instead (about 2x faster, bench:ingest).
  const raw = connection as unknown as ChdbRawInsert;
  const insertTsv = async (table: string, columns: readonly string[], payload: Uint8Array, dedupToken: string): Promise<void> => {
    if (payload.byteLength === 0) return;
    await raw.chdb.rawInsert({
      table: `${database}.${table}`, values: payload, format: 'TabSeparated', columns,
      settings: { insert_deduplication_token: dedupToken, async_insert: 0, insert_deduplicate: 1, deduplicate_blocks_in_dependent_materialized_views: 1 },
    });
  };
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  // chdb ignores the client's `database` option; USE persists on the session instead.
  await client.command({ query: `USE ${database}` });
  // Parameters are part of the text here (withInlineParams): an ingest look-up's thousands of keys
  // would pass the default 256 KiB limit on a statement's text.
  await client.command({ query: `SET max_query_size = ${INLINED_QUERY_MAX_BYTES}` });
  return {
    client,
    kind: 'embedded',
    database,
    location: `chdb:${path}`,
    insertRows: rowInserter(insertTsv),
    insertTsv,
    fork: () => embeddedSession(openSession(), path, database, openSession),
    close: async () => {
      await client.close();
    },
  };
}

async function openServer(cfg: Config['clickhouse'], url: string): Promise<Store> {
  const admin = createClient({ url, username: cfg.username, password: cfg.password });
  try {
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${cfg.database}` });
  } catch (err) {
    throw new AppError('CH_UNAVAILABLE', `cannot reach ClickHouse at ${redactUrl(url)}`, { url: redactUrl(url) }, true, { cause: err });
  } finally {
    await admin.close();
  }
  const insertTsv = async (table: string, columns: readonly string[], payload: Uint8Array, dedupToken: string): Promise<void> => {
    if (payload.byteLength === 0) return;
    // A byte stream: Readable.from defaults to object mode, which the client refuses for TabSeparated.
    await client.insert({
      table, values: Readable.from([Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)], { objectMode: false }), format: 'TabSeparated',
      columns: columns as [string, ...string[]], clickhouse_settings: { insert_deduplication_token: dedupToken },
    });
  };
  const client = createClient({
    url,
    username: cfg.username,
    password: cfg.password,
    database: cfg.database,
    clickhouse_settings: PINNED_SETTINGS,
    request_timeout: 300_000,
  });
  const store: Store = {
    client, kind: 'server', database: cfg.database, location: redactUrl(url),
    insertRows: rowInserter(insertTsv),
    insertTsv,
    // The HTTP client runs requests concurrently already; closing the parent closes the client.
    fork: async () => ({ ...store, close: async () => {} }),
    close: () => client.close(),
  };
  return store;
}

/** CLICKHOUSE_URL set → that server; otherwise the embedded engine under dataDir. Same SQL both ways. */
export function openStore(cfg: Config['clickhouse']): Promise<Store> {
  return cfg.url ? openServer(cfg, cfg.url) : openEmbedded(cfg.dataDir, cfg.database);
}
