import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { staticAssets } from './static-assets.ts';

/** The console's files: index revalidated, hashed assets cached, nothing outside the build folder, a clear 503 when not built. */
describe('console static assets', () => {
  const root = mkdtempSync(join(tmpdir(), 'web-dist-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'not an asset');
  const app = staticAssets(root);

  it('serves index.html at / with a strict CSP, revalidated', async () => {
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<title>x</title>');
  });

  it('serves hashed assets as immutable, and nothing else', async () => {
    const res = await app.request('/assets/index-abc123.js');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect((await app.request('/assets/missing.js')).status).toBe(404);
    expect((await app.request('/assets/..%2Fsecret.txt')).status).toBe(404);
    expect((await app.request('/assets/../secret.txt')).status).toBe(404);
    expect((await app.request('/secret.txt')).status).toBe(404);
  });

  it('answers 503 with the build command when the console is not built', async () => {
    const res = await staticAssets(join(root, 'nope')).request('/');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CONSOLE_NOT_BUILT');
  });
});
