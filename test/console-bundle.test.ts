import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WEB_DIST } from '../src/api/console/static-assets.ts';

/**
 * The built console (web/dist, made by `npm ci` / `npm install` through the prepare script, or
 * `npm run build:web`): under 500 KB gzipped, ECharts tree-shaken, nothing loaded from elsewhere.
 * A size check on a build artifact, not a timing.
 */

const BUDGET = 500 * 1024;
const files = () => [join(WEB_DIST, 'index.html'), ...readdirSync(join(WEB_DIST, 'assets')).map((f) => join(WEB_DIST, 'assets', f))];

describe('console bundle', () => {
  it('is built', () => {
    expect(existsSync(join(WEB_DIST, 'index.html')), 'web/dist is missing: run `npm run build:web`').toBe(true);
  });

  it('is under 500 KB gzipped', () => {
    const sizes = files().map((f) => ({ f, gz: gzipSync(readFileSync(f)).length }));
    const total = sizes.reduce((a, s) => a + s.gz, 0);
    process.stdout.write(`console bundle: ${(total / 1024).toFixed(1)} KB gzipped\n`);
    expect(total).toBeGreaterThan(10 * 1024);
    expect(total).toBeLessThan(BUDGET);
  });

  it('loads nothing from another origin, and carries only the parts of ECharts the pages use', () => {
    const html = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const js = files().filter((f) => f.endsWith('.js')).map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(/import\s*\(?\s*["'`]https?:/.test(js), 'an import from another origin').toBe(false);
    // Tree-shaken through echarts/core: the whole console weighs less than ECharts' full build alone.
    const fullEcharts = gzipSync(readFileSync(join(import.meta.dirname, '..', 'node_modules', 'echarts', 'dist', 'echarts.min.js'))).length;
    const ours = files().filter((f) => f.endsWith('.js')).reduce((a, f) => a + gzipSync(readFileSync(f)).length, 0);
    expect(ours).toBeLessThan(fullEcharts * 0.75);
  });
});
