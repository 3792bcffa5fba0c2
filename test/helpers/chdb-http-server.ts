import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
 * Requests run concurrently, as on a server, each on a chdb session of its own while it runs (a
 * small pool on the one data directory). A server applies settings, query parameters and the
 * current database per query, whereas chdb keeps them per session, so each request first sets its
 * own on its session (`SET k = v, param_x = '…'`; the previous request's settings back to DEFAULT)
 * and nothing else runs on that session until its statement is done.
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

/** Sessions opened at most; a request beyond waits for one to be free. */
const MAX_SESSIONS = 6;

interface PooledSession {
  session: Session;
  /** Settings this session has been SET to by earlier requests. */
  applied: Record<string, string>;
  database: string;
}

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

function quoted(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function settingLiteral(value: string): string {
  return /^-?\d+(\.\d+)?$/.test(value) ? value : quoted(value);
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
  const pool: PooledSession[] = [];
  const free: PooledSession[] = [];
  const waiting: ((s: PooledSession) => void)[] = [];
  const running = new Set<Promise<unknown>>();
  let statements = 0;

  function acquire(): Promise<PooledSession> {
    const ready = free.pop();
    if (ready) return Promise.resolve(ready);
    if (pool.length < MAX_SESSIONS) {
      const created = { session: new Session(opts.dataDir), applied: {}, database: 'default' };
      pool.push(created);
      return Promise.resolve(created);
    }
    return new Promise((resolve) => waiting.push(resolve));
  }

  function release(s: PooledSession): void {
    const next = waiting.shift();
    if (next) next(s);
    else free.push(s);
  }

  /** This request's settings, parameters and database on the session; the previous request's settings back to DEFAULT. */
  async function applyScope(s: PooledSession, req: Request): Promise<void> {
    const changes = Object.keys(s.applied).filter((k) => !(k in req.settings)).map((k) => `${k} = DEFAULT`);
    for (const [k, v] of Object.entries(req.settings)) if (s.applied[k] !== v) changes.push(`${k} = ${settingLiteral(v)}`);
    // The text the client sent, as is: the engine parses it for the placeholder's type, as a server does.
    for (const [k, v] of Object.entries(req.params)) {
      if (!IDENTIFIER.test(k)) throw new EngineError(456, `Code: 456. DB::Exception: Invalid query parameter name '${k}'. (UNKNOWN_QUERY_PARAMETER)`);
      changes.push(`param_${k} = ${quoted(v)}`);
    }
    if (changes.length > 0) {
      // A failed SET (an unknown setting, say) leaves the old scope in doubt: reset all of it next time.
      s.applied = Object.fromEntries(Object.keys(s.applied).map((k) => [k, '\0unknown']));
      await s.session.queryAsync(`SET ${changes.join(', ')}`, { format: 'TabSeparated' });
      s.applied = { ...req.settings };
    }
    if (req.database !== s.database) {
      if (!IDENTIFIER.test(req.database)) throw new EngineError(81, `Code: 81. DB::Exception: Database ${req.database} does not exist. (UNKNOWN_DATABASE)`);
      await s.session.queryAsync(`USE ${req.database}`, { format: 'TabSeparated' });
      s.database = req.database;
    }
  }

  async function executeOn(s: PooledSession, req: Request): Promise<Outcome> {
    await applyScope(s, req);
    statements++;
    const insert = req.data.length > 0 ? INSERT_WITH_DATA.exec(req.statement) : null;
    if (insert && RAW_FORMATS.has(insert[3] ?? '')) {
      // The data body goes to the engine's parser as bytes, as a server reads it off the socket.
      const table = unquote(insert[1] ?? '');
      const columns = insert[2]?.split(',').map(unquote);
      const w = await s.session.insert({
        table: table.includes('.') ? table : `${req.database}.${table}`,
        values: req.data,
        format: insert[3] as RawInsertFormat,
        ...(columns ? { columns } : {}),
      });
      return { body: new Uint8Array(), summary: { read_rows: w.rowsWritten, read_bytes: w.bytesWritten, written_rows: w.rowsWritten, written_bytes: w.bytesWritten, elapsed_ns: Math.round(w.elapsed * 1e9) } };
    }
    const sql = req.data.length > 0 ? `${req.statement}\n${req.data.toString('utf8')}` : req.statement;
    const r = await s.session.queryAsync(sql, { format: req.format });
    return { body: r.bytes(), summary: { read_rows: r.rowsRead, read_bytes: r.bytesRead, written_rows: 0, written_bytes: 0, elapsed_ns: Math.round(r.elapsed * 1e9) } };
  }

  async function execute(req: Request): Promise<Outcome> {
    const s = await acquire();
    const run = executeOn(s, req);
    running.add(run);
    try {
      return await run;
    } finally {
      running.delete(run);
      release(s);
    }
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
    const out = await execute(req);
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

  // A ClickHouse server takes URLs up to http_max_uri_size (1 MiB by default); Node's own limit on
  // the request head is 16 KiB, which a batch's query parameters (they travel in the URL) exceed.
  const server: Server = createServer({ maxHeaderSize: 1 << 20 }, (httpReq, res) => {
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
      await Promise.allSettled([...running]);
      for (const s of pool) s.session.close();
    },
  };
}
