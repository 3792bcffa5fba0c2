import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDetectors } from '../../src/detect/registry.ts';
import { logged, spawnDriftwatch, type Child } from '../helpers/driftwatch-process.ts';
import { waitFor } from '../helpers/env.ts';

/**
 * `run --role api` alone (an API replica in a split deployment) serves the detector corpus: the
 * process has no detect role, so the api role loads the registry itself.
 */
const READ = 'read-token-0123456789abcdef';
let run: Child | undefined;
afterAll(async () => {
  if (run && run.process.exitCode === null) {
    run.process.kill('SIGTERM');
    await run.exited;
  }
});

describe('run --role api', () => {
  it('lists every detector of the corpus on /api/detectors', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'driftwatch-api-role-'));
    run = spawnDriftwatch({ clickhouse: { dataDir, database: 'api_role' }, service: { port: 0 }, logLevel: 'info' }, ['run', '--role', 'api'], { env: { DRIFTWATCH_READ_TOKEN: READ } });
    await waitFor(async () => logged(run!, 'API listening').length > 0 || run!.process.exitCode !== null, 120_000, 'the API listening');
    const port = logged(run, 'API listening')[0]?.['port'] as number;
    expect(port, run.text().slice(-2000)).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${port}/api/detectors`, { headers: { authorization: `Bearer ${READ}` } });
    expect(res.status).toBe(200);
    const body = await res.json() as { detectors: { id: string; outcome: string }[] };
    const corpus = (await loadDetectors()).map((d) => d.id).sort();
    expect(corpus.length).toBeGreaterThan(0);
    expect(body.detectors.map((d) => d.id).sort()).toEqual(corpus);
    expect(new Set(body.detectors.map((d) => d.outcome))).toEqual(new Set(['never-run']));
    run.process.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
  });
});
