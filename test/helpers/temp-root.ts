import { afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every temporary folder a test file makes (data directories of the embedded engine, crash and
 * DDL scratch folders, files for replay) lands under one root per test file, removed when the
 * file ends: a full run used to leave ~75 MB behind. os.tmpdir() reads TMPDIR on each call, and
 * child processes inherit it, so this covers helpers and spawned CLIs without touching them.
 */
const root = mkdtempSync(join(tmpdir(), 'driftwatch-testfile-'));
process.env['TMPDIR'] = root;
// Registered first, so it runs last: after the file's own hooks have closed their stores. The
// worker's shared scratch store (src/detect/scratch-store.ts) stays open for the next file, and its
// engine may still be finishing a merge in there: retry, and if a file keeps appearing, leave the
// folder behind with a note rather than fail a file whose tests all passed (seen in CI: ENOTEMPTY).
afterAll(() => {
  try {
    rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (err) {
    process.stderr.write(`temp-root: left ${root} behind (${(err as Error).message})\n`);
  }
});
