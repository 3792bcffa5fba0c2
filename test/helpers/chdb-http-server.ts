import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Session, type RawInsertFormat } from 'chdb';

/**
 * A ClickHouse HTTP endpoint for tests, backed by the real embedded engine (chdb) in this process.
 * It is NOT a ClickHouse server: it speaks the subset of the HTTP interface @clickhouse/client uses
 * (POST / with the statement in the body or in `query` plus data in the body, `param_*`,
 * `database`, `query_id`, settings as URL parameters, GET /ping, X-ClickHouse-* headers, errors as
 * `Code: N. DB::Exception: …` with X-ClickHouse-Exception-Code) so several driftwatch processes can
 * share one store through CLICKHOUSE_URL, which chdb alone cannot: it opens a data directory in one
 * process only. Every statement runs in the engine; nothing here interprets SQL beyond telling an
 * INSERT with a data body apart.
 *
 * Requests run one at a time on one chdb session: a server applies settings and the current
 * database per query, whereas chdb keeps them per session, so each request first sets its own
 * (resetting the previous request's to DEFAULT) and nothing can interleave between that and its
 * statement.
 */
export interface ChdbHttpServer {
  /** http://127.0.0.1:<port>, the same across stop()/start(). */
  readonly url: string;
  readonly port: number;
  /** Statements executed so far (pings excluded). */
  readonly statements: number;
  /** A store outage: stop listening and cut open connections; the engine stays open. */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): Promise<void>;
  /** stop() and close the engine. */
  close(): Promise<void>;
}

interface RawResult {
  bytes: Uint8Array;
  elapsed: number;
  rowsRead: number;
  bytesRead: number;
}

interface NativeChdb {
  QueryAsyncConnection(connection: unknown, sql: string, format: string, params?: Record<string, string>): Promise<RawResult>;
}

/**
 * chdb's own binding (Session.queryBindAsync) formats parameter values from JS values and so
 * escapes a string once more; the HTTP client has already sent each `param_*` as ClickHouse text
 * (`['a\'b']` for an Array(String)). The engine's native entry takes that text as is, the way a
 * server's `param_*` does, so the same values bind to the same types.
 */
const native = (createRequire(createRequire(import.meta.url).resolve('chdb'))('./dist/loader.js') as { loadNative(): NativeChdb }).loadNative();

/** URL parameters that are not settings. */
const NOT_SETTINGS = new Set(['query', 'database', 'query_id', 'session_id', 'session_timeout', 'session_check', 'role', 'user', 'password', 'default_format']);
/** Settings of the HTTP layer alone (the engine rejects them or they mean nothing without a socket). */
const HTTP_ONLY = new Set([
  'enable_http_compression', 'wait_end_of_query', 'send_progress_in_http_headers', 'http_response_buffer_size',
  'http_headers_progress_interval_ms', 'http_send_progress_interval_ms', 'http_zlib_compression_level',
  'http_native_compression_disable_checksumming_on_decompress', 'compress', 'decompress',
]);
/** Where a server's defaults differ from the embedded engine's (chdb enables async inserts by default). */
const SERVER_DEFAULTS: Record<string, string> = { async_insert: '0' };

const INSERT_WITH_DATA = /^\s*INSERT\s+INTO\s+([\w.`"]+)\s*(?:\(([^)]*)\))?\s*FORMAT\s+(\w+)\s*;?\s*$/is;
const RAW_FORMATS = new Set<string>(['JSONEachRow', 'JSONCompactEachRow', 'CSV', 'CSVWithNames', 'TSV', 'TabSeparated', 'TSVWithNames', 'TabSeparatedWithNames']);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** ClickHouse's STD_EXCEPTION, for a failure that did not come from the engine with a code. */
const STD_EXCEPTION = 1001;

interface Request {
  statement: string;
  data: Buffer;
  database: string;
  queryId: string;
  format: string;
  params: Record<string, string>;
  settings: Record<string, string>;
}

interface Outcome {
  body: Uint8Array;
  summary: { read_rows: number; read_bytes: number; written_rows: number; written_bytes: number; elapsed_ns: number };
}

class EngineError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

function unquote(identifier: string): string {
  return identifier.trim().replace(/[`"]/g, '');
}

function settingLiteral(value: string): string {
  return /^-?\d+(\.\d+)?$/.test(value) ? value : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function parseRequest(url: URL, body: Buffer): Request {
  const q = url.searchParams;
  const params: Record<string, string> = {};
  const settings: Record<string, string> = { ...SERVER_DEFAULTS };
  for (const [key, value] of q) {
    if (key.startsWith('param_')) params[key.slice('param_'.length)] = value;
    else if (!NOT_SETTINGS.has(key) && !HTTP_ONLY.has(key)) {
      if (!IDENTIFIER.test(key)) throw new EngineError(115, `Code: 115. DB::Exception: Unknown setting '${key}'. (UNKNOWN_SETTING)`);
      settings[key] = value;
    }
  }
  const inUrl = q.get('query');
  return {
    statement: inUrl ?? body.toString('utf8'),
    data: inUrl === null ? Buffer.alloc(0) : body,
    database: q.get('database') || 'default',
    queryId: q.get('query_id') || randomUUID(),
    format: q.get('default_format') || 'TabSeparated',
    params,
    settings,
  };
}

export async function startChdbHttpServer(opts: { dataDir: string; port?: number }): Promise<ChdbHttpServer> {
  const session = new Session(opts.dataDir);
  let applied: Record<string, string> = {};
  let database = 'default';
  let statements = 0;
  let tail: Promise<unknown> = Promise.resolve();

  /** This request's settings and database on the session; the previous request's settings back to DEFAULT. */
  async function applyScope(req: Request): Promise<void> {
    const changes = Object.keys(applied).filter((k) => !(k in req.settings)).map((k) => `${k} = DEFAULT`);
    for (const [k, v] of Object.entries(req.settings)) if (applied[k] !== v) changes.push(`${k} = ${settingLiteral(v)}`);
    if (changes.length > 0) {
      // A failed SET (an unknown setting, say) leaves the old scope in doubt: reset all of it next time.
      const before = Object.keys(applied);
      applied = Object.fromEntries(before.map((k) => [k, '\0unknown']));
      await native.QueryAsyncConnection(session.connection, `SET ${changes.join(', ')}`, 'TabSeparated');
      applied = { ...req.settings };
    }
    if (req.database !== database) {
      if (!IDENTIFIER.test(req.database)) throw new EngineError(81, `Code: 81. DB::Exception: Database ${req.database} does not exist. (UNKNOWN_DATABASE)`);
      await native.QueryAsyncConnection(session.connection, `USE ${req.database}`, 'TabSeparated');
      database = req.database;
    }
  }

  async function execute(req: Request): Promise<Outcome> {
    await applyScope(req);
    statements++;
    const insert = req.data.length > 0 ? INSERT_WITH_DATA.exec(req.statement) : null;
    if (insert && RAW_FORMATS.has(insert[3] ?? '')) {
      // The data body goes to the engine's parser as bytes, as a server reads it off the socket.
      const table = unquote(insert[1] ?? '');
      const columns = insert[2]?.split(',').map(unquote);
      const s = await session.insert({
        table: table.includes('.') ? table : `${req.database}.${table}`,
        values: req.data,
        format: insert[3] as RawInsertFormat,
        ...(columns ? { columns } : {}),
      });
      return { body: new Uint8Array(), summary: { read_rows: s.rowsWritten, read_bytes: s.bytesWritten, written_rows: s.rowsWritten, written_bytes: s.bytesWritten, elapsed_ns: Math.round(s.elapsed * 1e9) } };
    }
    const sql = req.data.length > 0 ? `${req.statement}\n${req.data.toString('utf8')}` : req.statement;
    const hasParams = Object.keys(req.params).length > 0;
    const r = hasParams
      ? await native.QueryAsyncConnection(session.connection, sql, req.format, req.params)
      : await native.QueryAsyncConnection(session.connection, sql, req.format);
    return { body: r.bytes, summary: { read_rows: r.rowsRead, read_bytes: r.bytesRead, written_rows: 0, written_bytes: 0, elapsed_ns: Math.round(r.elapsed * 1e9) } };
  }

  function fail(res: ServerResponse, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const m = /^Code: (\d+)\. DB::Exception/.exec(message);
    const code = err instanceof EngineError ? err.code : m ? Number(m[1]) : STD_EXCEPTION;
    const text = m ? message : `Code: ${code}. DB::Exception: ${message}. (STD_EXCEPTION)`;
    res.writeHead(500, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-exception-code': String(code) }).end(`${text}\n`);
  }

  async function handle(httpReq: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(httpReq.url ?? '/', 'http://localhost');
    if (url.pathname === '/ping') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of httpReq) chunks.push(c as Buffer);
    let body = Buffer.concat(chunks);
    if (httpReq.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const req = parseRequest(url, body);
    // One request at a time (see the interface's comment); a failed one does not stop the queue.
    const run = tail.then(() => execute(req));
    tail = run.catch(() => undefined);
    const out = await run;
    const gzip = url.searchParams.get('enable_http_compression') === '1' && /\bgzip\b/.test(String(httpReq.headers['accept-encoding'] ?? ''));
    const summary = Object.fromEntries(Object.entries({ ...out.summary, result_rows: out.summary.read_rows, result_bytes: out.summary.read_bytes, total_rows_to_read: 0 }).map(([k, v]) => [k, String(v)]));
    res.writeHead(200, {
      'content-type': 'text/plain; charset=UTF-8',
      'x-clickhouse-query-id': req.queryId,
      'x-clickhouse-format': req.format,
      'x-clickhouse-timezone': 'UTC',
      'x-clickhouse-server-display-name': 'chdb-http-test-harness',
      'x-clickhouse-summary': JSON.stringify(summary),
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    }).end(gzip ? gzipSync(out.body) : out.body);
  }

  const server: Server = createServer((httpReq, res) => {
    handle(httpReq, res).catch((err: unknown) => {
      if (!res.headersSent) fail(res, err);
      else res.destroy();
    });
  });
  const listen = (port: number) => new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  const port = await listen(opts.port ?? 0);
  const stop = async () => {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get statements() {
      return statements;
    },
    stop,
    start: async () => {
      if (!server.listening) await listen(port);
    },
    close: async () => {
      await stop();
      await tail;
      session.close();
    },
  };
}
