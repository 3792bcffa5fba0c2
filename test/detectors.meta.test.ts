import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDetectorFiles, DETECTORS_DIR } from '../src/detect/registry.ts';
import { runDetector } from '../src/detect/run.ts';
import { sharedScratchStore } from '../src/detect/scratch-store.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../src/policy/load.ts';
import { syncPolicy } from '../src/policy/sync.ts';

/**
 * Rules for the whole detector corpus (style rule 1–3, 9): path = id, unique ids, kebab-case
 * names, valid metadata (checked by loading), a sibling test that uses detectorCases, SQL without
 * interpolation, and every query valid against the real schema (misspelled columns fail here).
 */

const loaded = await loadDetectorFiles();

describe('detector corpus', () => {
  it('has detectors, each at detectors/<family>/<name>.ts with id <family>.<name>', () => {
    expect(loaded.length).toBeGreaterThanOrEqual(2);
    for (const { detector, source } of loaded) expect(detector.id).toBe(`${source.family}.${source.name}`);
    expect(new Set(loaded.map((l) => l.detector.id)).size).toBe(loaded.length);
  });

  it('gives each detector a sibling test that runs detectorCases on it', () => {
    for (const { source } of loaded) {
      const test = readFileSync(source.testFile, 'utf8');
      expect(test, relative(DETECTORS_DIR, source.testFile)).toMatch(/\bdetectorCases\(\s*detector\s*,/);
      expect(test, relative(DETECTORS_DIR, source.testFile)).toContain(`from './${source.name}.ts'`);
    }
  });

  it('writes queries with the sql tag and no ${} interpolation anywhere in them', () => {
    for (const { source } of loaded) {
      const text = readFileSync(source.file, 'utf8');
      const blocks = [...text.matchAll(/\bsql`([\s\S]*?)`/g)].map((m) => m[1] ?? '');
      expect(blocks.length, `${source.expectedId} uses sql\`…\``).toBeGreaterThan(0);
      for (const block of blocks) expect(block, source.expectedId).not.toContain('${');
      expect(text, `${source.expectedId} builds no SQL by concatenation`).not.toMatch(/\bquery:(?!\s*sql`)/);
    }
  });

  it('documents each family folder in detectors/README.md', () => {
    const readme = readFileSync(`${DETECTORS_DIR}README.md`, 'utf8');
    for (const family of new Set(loaded.map((l) => l.source.family))) expect(readme).toContain(`\`${family}/\``);
  });

  it('runs every query against the real schema with the example policy', async () => {
    const { store } = await sharedScratchStore();
    await syncPolicy(store, loadPolicyFile(EXAMPLE_POLICY_FILE).policy, EXAMPLE_POLICY_FILE);
    const window = { from: new Date(Date.now() - 3_600_000), to: new Date() };
    for (const { detector } of loaded) {
      const result = await runDetector(store, detector, window);
      expect(result.alerts, detector.id).toEqual([]);
    }
  });
});
