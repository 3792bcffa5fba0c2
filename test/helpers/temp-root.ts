import { afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every temporary folder a test file makes (data directories of the embedded engine, crash and
 * DDL scratch folders, files for replay) lands under one root per test file, removed when the
 * file ends: a full run used to leave ~75 MB behind. os.tmpdir() reads TMPDIR on each call, and
 * child processes inherit it, so this covers helpers and spawned CLIs without touching them.
 *
 * Not the process's shared scratch engine (src/detect/scratch-store.ts): it stays open after the
 * file and keeps merging parts in the background, so under this root it raced the removal
 * (ENOTEMPTY in the calendar run). It lives in the real temp dir, named here, and its
 * dead-process sweep removes it. `??=`: a process that runs several files keeps the first value.
 */
process.env['DRIFTWATCH_SCRATCH_DIR'] ??= tmpdir();
const root = mkdtempSync(join(tmpdir(), 'driftwatch-testfile-'));
process.env['TMPDIR'] = root;
// Registered first, so it runs last: after the file's own hooks have closed their stores.
afterAll(() => rmSync(root, { recursive: true, force: true }));
