import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AppError, errorMessage } from '../errors.ts';
import { isDetector, type AnyDetector } from './define-detector.ts';

/**
 * The detector corpus: every `detectors/<family>/<name>.ts`. The path is the identity — id must be
 * `<family>.<name>` — so a detector is found, named and owned by where it lives, and adding one
 * is adding a file (plus its sibling `<name>.test.ts`), with no list to edit in src/.
 * `detectors/_shared/` (helpers, fixtures) and `*.test.ts` are not detectors.
 */

export const DETECTORS_DIR = fileURLToPath(new URL('../../detectors/', import.meta.url));

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface DetectorFile {
  family: string;
  name: string;
  /** Absolute paths. */
  file: string;
  testFile: string;
  /** The id the file must declare. */
  expectedId: string;
}

export interface LayoutProblem {
  file: string;
  message: string;
}

function isDir(path: string): boolean {
  return statSync(path).isDirectory();
}

/** Candidate detector files, and problems with names and siblings found on the way. */
export function discoverDetectorFiles(dir: string = DETECTORS_DIR): { files: DetectorFile[]; problems: LayoutProblem[] } {
  const files: DetectorFile[] = [];
  const problems: LayoutProblem[] = [];
  if (!existsSync(dir)) return { files, problems };
  for (const family of readdirSync(dir).sort()) {
    const familyDir = join(dir, family);
    if (family.startsWith('_') || family.startsWith('.') || !isDir(familyDir)) continue;
    if (!KEBAB.test(family)) problems.push({ file: relative(dir, familyDir), message: 'family folder names are kebab-case' });
    for (const entry of readdirSync(familyDir).sort()) {
      const path = join(familyDir, entry);
      if (isDir(path)) {
        problems.push({ file: relative(dir, path), message: 'detectors are one level deep: detectors/<family>/<name>.ts' });
        continue;
      }
      if (!entry.endsWith('.ts') || entry.endsWith('.test.ts') || entry.endsWith('.d.ts')) continue;
      const name = basename(entry, '.ts');
      if (!KEBAB.test(name)) {
        problems.push({ file: relative(dir, path), message: 'file names are kebab-case: ^[a-z0-9-]+\\.ts$' });
        continue;
      }
      const testFile = join(familyDir, `${name}.test.ts`);
      if (!existsSync(testFile)) problems.push({ file: relative(dir, path), message: `missing sibling test ${name}.test.ts` });
      files.push({ family, name, file: path, testFile, expectedId: `${family}.${name}` });
    }
    for (const entry of readdirSync(familyDir)) {
      if (!entry.endsWith('.test.ts')) continue;
      const name = basename(entry, '.test.ts');
      if (!existsSync(join(familyDir, `${name}.ts`))) problems.push({ file: relative(dir, join(familyDir, entry)), message: 'test without a detector' });
    }
  }
  return { files, problems };
}

export interface LoadedDetector {
  detector: AnyDetector;
  source: DetectorFile;
}

/**
 * Imports and validates the whole corpus; throws one DETECTOR_INVALID listing every problem
 * (layout, id ≠ path, duplicates, invalid metadata) so CI shows them all at once.
 */
export async function loadDetectorFiles(dir: string = DETECTORS_DIR): Promise<LoadedDetector[]> {
  const { files, problems } = discoverDetectorFiles(dir);
  const loaded: LoadedDetector[] = [];
  const byId = new Map<string, string>();
  for (const source of files) {
    const rel = relative(dir, source.file);
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(source.file).href)) as { default?: unknown };
    } catch (err) {
      problems.push({ file: rel, message: errorMessage(err) });
      continue;
    }
    const detector = mod.default;
    if (!isDetector(detector)) {
      problems.push({ file: rel, message: 'the default export must be defineDetector({...})' });
      continue;
    }
    if (detector.id !== source.expectedId) problems.push({ file: rel, message: `id "${detector.id}" must be "${source.expectedId}" (folder.file)` });
    const other = byId.get(detector.id);
    if (other !== undefined) problems.push({ file: rel, message: `duplicate id "${detector.id}" (also ${other})` });
    byId.set(detector.id, rel);
    loaded.push({ detector, source });
  }
  if (problems.length > 0) {
    throw new AppError('DETECTOR_INVALID', `detector corpus is invalid:\n  ${problems.map((p) => `${p.file}: ${p.message}`).join('\n  ')}`, { problems });
  }
  return loaded;
}

export async function loadDetectors(dir: string = DETECTORS_DIR): Promise<AnyDetector[]> {
  return (await loadDetectorFiles(dir)).map((l) => l.detector);
}

/** The detectors named by `ids` (all when empty); unknown ids are an error listing the known ones. */
export function selectDetectors(all: readonly AnyDetector[], ids: readonly string[] | undefined): AnyDetector[] {
  if (!ids || ids.length === 0) return [...all];
  const known = new Map(all.map((d) => [d.id, d]));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new AppError('DETECTOR_INVALID', `unknown detector ${unknown.join(', ')}; known: ${[...known.keys()].join(', ')}`);
  }
  return ids.map((id) => known.get(id) as AnyDetector);
}
