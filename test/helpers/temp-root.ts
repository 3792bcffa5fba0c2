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
// Registered first, so it runs last: after the file's own hooks have closed their stores.
afterAll(() => rmSync(root, { recursive: true, force: true }));
