import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AppError } from '../errors.ts';
import { discoverDetectorFiles, loadDetectorFiles, selectDetectors } from './registry.ts';
import { scratchDir } from './scratch-store.ts';

const DEFINE = fileURLToPath(new URL('./define-detector.ts', import.meta.url));
const SQL = fileURLToPath(new URL('./sql.ts', import.meta.url));

function detectorSource(id: string): string {
  return `import { defineDetector } from '${DEFINE}';
import { sql } from '${SQL}';
export default defineDetector({
  id: '${id}', title: 'T', description: 'D', severity: 'low', audience: 'soc',
  schedule: { every: '1h', lookback: '1h', settle: '0m' },
  controls: { owaspAgentic: ['ASI01'], maestro: ['L1'], nistAiRmf: ['MAP 1.1'], nistCsf: ['DE.CM-01'] },
  runbook: 'A runbook that is long enough to pass the metadata check.', falsePositives: ['none'],
  query: sql\`SELECT 1 FROM idp_events WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}\`,
  alert: () => null,
});\n`;
}

function corpus(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratchDir('corpora'), 'corpus-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function problemsOf(dir: string): Promise<string[]> {
  try {
    await loadDetectorFiles(dir);
  } catch (err) {
    expect((err as AppError).code).toBe('DETECTOR_INVALID');
    return ((err as AppError).context['problems'] as { file: string; message: string }[]).map((p) => `${p.file}: ${p.message}`);
  }
  return [];
}

describe('detector registry', () => {
  it('loads a valid corpus, skipping _shared and tests', async () => {
    const dir = corpus({
      'idp/new-app.ts': detectorSource('idp.new-app'),
      'idp/new-app.test.ts': '',
      '_shared/helpers.ts': 'export const x = 1;\n',
      'README.md': '# detectors\n',
    });
    const loaded = await loadDetectorFiles(dir);
    expect(loaded.map((l) => l.detector.id)).toEqual(['idp.new-app']);
  });

  it('reports every corpus problem at once: id ≠ path, duplicates, names, missing tests, bad exports', async () => {
    const dir = corpus({
      'idp/new-app.ts': detectorSource('idp.other-name'),
      'idp/new-app.test.ts': '',
      'idp/copy.ts': detectorSource('idp.other-name'),
      'idp/copy.test.ts': '',
      'idp/Bad_Name.ts': detectorSource('idp.bad-name'),
      'idp/orphan.test.ts': '',
      'idp/plain.ts': 'export default { id: "idp.plain" };\n',
      'idp/plain.test.ts': '',
      'Gateway/x.ts': detectorSource('gateway.x'),
    });
    const problems = await problemsOf(dir);
    expect(problems).toEqual(expect.arrayContaining([
      'idp/new-app.ts: id "idp.other-name" must be "idp.new-app" (folder.file)',
      expect.stringMatching(/^idp\/new-app\.ts: duplicate id "idp\.other-name" \(also idp\/copy\.ts\)$/),
      expect.stringMatching(/^idp\/Bad_Name\.ts: file names are kebab-case/),
      'idp/orphan.test.ts: test without a detector',
      'idp/plain.ts: the default export must be defineDetector({...})',
      'Gateway: family folder names are kebab-case',
      'Gateway/x.ts: missing sibling test x.test.ts',
    ]));
  });

  it('finds files without importing them', () => {
    const dir = corpus({ 'billing/a.ts': '', 'billing/a.test.ts': '' });
    expect(discoverDetectorFiles(dir).files.map((f) => f.expectedId)).toEqual(['billing.a']);
  });

  it('selects detectors by id and names unknown ones', async () => {
    const dir = corpus({ 'idp/new-app.ts': detectorSource('idp.new-app'), 'idp/new-app.test.ts': '' });
    const all = (await loadDetectorFiles(dir)).map((l) => l.detector);
    expect(selectDetectors(all, []).length).toBe(1);
    expect(() => selectDetectors(all, ['idp.nope'])).toThrow(/unknown detector idp.nope; known: idp.new-app/);
  });
});
