import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * The analyst console's build: `vite build --config web/vite.config.ts` (run by `npm install`
 * through the `prepare` script) writes web/dist, which the API serves at `/`. Everything is
 * bundled; nothing is fetched from elsewhere at run time.
 */

/** Prints each emitted chunk's gzipped size and the total, so the 500 KB budget is visible on every build. */
function gzipReport(): Plugin {
  return {
    name: 'driftwatch-gzip-report',
    writeBundle(options, bundle) {
      let total = 0;
      for (const file of Object.keys(bundle)) {
        const bytes = gzipSync(readFileSync(`${options.dir}/${file}`)).length;
        total += bytes;
        process.stdout.write(`  gzip ${(bytes / 1024).toFixed(1).padStart(7)} KB  ${file}\n`);
      }
      process.stdout.write(`console bundle: ${(total / 1024).toFixed(1)} KB gzipped in total (budget 500 KB)\n`);
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false, chunkSizeWarningLimit: 1200 },
  plugins: [gzipReport()],
  logLevel: 'warn',
});
