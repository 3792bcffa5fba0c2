import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.ts';

/**
 * The embedded engine's data directory, checked before chdb sees it: chdb and Node otherwise
 * answer a wrong directory with raw EEXIST/EROFS stack traces or the engine's own "Cannot lock
 * file …/status" text, none of which tells a user what to do.
 */
export function prepareDataDir(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
    accessSync(path, constants.W_OK);
  } catch (err) {
    throw dataDirError(path, err);
  }
  const pid = storeHolder(path);
  if (pid !== undefined) throw storeLockedError(path, pid);
}

function dataDirError(path: string, err: unknown): AppError {
  const code = (err as NodeJS.ErrnoException).code;
  const hint = 'set DRIFTWATCH_DATA_DIR (or clickhouse.dataDir) to a writable directory';
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    return new AppError('STORE_DIR_INVALID', `data directory ${path} is not a directory (a file is in the way); ${hint}`, { path, errno: code }, false, { cause: err });
  }
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new AppError('STORE_DIR_INVALID', `data directory ${path} cannot be written (${code === 'EROFS' ? 'read-only file system' : 'permission denied'}); ${hint}`, { path, errno: code }, false, { cause: err });
  }
  return new AppError('STORE_DIR_INVALID', `data directory ${path} cannot be used: ${(err as Error).message}`, { path, errno: code }, false, { cause: err });
}

/**
 * The pid of a live process holding the engine's lock on `path`, read from the `status` file chdb
 * writes there (`PID: 1234`) and removes on a clean close. A status file left by a crash names a
 * dead pid and does not count.
 */
export function storeHolder(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(path, 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(/^PID:\s*(\d+)/m.exec(text)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive, but another user's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

export function storeLockedError(path: string, pid: number | undefined, cause?: unknown): AppError {
  const who = pid === undefined ? 'another process' : `another process (pid ${pid})`;
  return new AppError(
    'STORE_LOCKED',
    `the embedded store at ${path} is in use by ${who}: the embedded engine allows one process per data directory. `
      + 'Stop that process, or run every role in one process with `driftwatch run`, or point CLICKHOUSE_URL at a ClickHouse server that several processes can share',
    { path, ...(pid === undefined ? {} : { pid }) }, true, cause === undefined ? undefined : { cause },
  );
}
