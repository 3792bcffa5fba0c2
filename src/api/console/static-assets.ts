import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { ApiEnv } from '../env.ts';
import { problem } from '../problem.ts';

/**
 * The console's built files (web/dist, produced by `vite build` at npm install) at `/` and
 * `/assets/*`. Hashed asset names never change content, so they are cached for a year; index.html
 * is revalidated so a new build is picked up. Files are read once and kept: the whole bundle is a
 * few hundred kilobytes.
 */

export const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

// Scripts only from this origin; ECharts sets inline styles, hence style-src 'unsafe-inline'.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function staticAssets(root: string = WEB_DIST) {
  const app = new Hono<ApiEnv>();
  const cache = new Map<string, Buffer>();
  const load = async (rel: string): Promise<Buffer | undefined> => {
    const path = normalize(join(root, rel));
    if (!path.startsWith(normalize(root + sep))) return undefined;
    const hit = cache.get(path);
    if (hit) return hit;
    try {
      const body = await readFile(path);
      cache.set(path, body);
      return body;
    } catch {
      return undefined;
    }
  };
  const headers = (file: string, immutable: boolean) => ({
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin',
  });

  app.get('/', async (c) => {
    const body = await load('index.html');
    if (!body) return problem(c, 503, 'CONSOLE_NOT_BUILT', 'the console is not built; run `npm run build:web` (npm install does it)');
    return c.body(new Uint8Array(body), 200, headers('index.html', false));
  });
  app.get('/assets/:file{[A-Za-z0-9._-]+}', async (c) => {
    const file = c.req.param('file');
    const body = await load(join('assets', file));
    if (!body) return problem(c, 404, 'NOT_FOUND', 'no such asset');
    return c.body(new Uint8Array(body), 200, headers(file, true));
  });
  return app;
}
