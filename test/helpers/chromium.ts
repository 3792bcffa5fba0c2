import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Chromium for the console's browser test: Debian's `chromium` package (installed by
 * .ci/run when missing), found on PATH or given by CHROMIUM_PATH, driven by playwright-core (which
 * downloads no browser of its own).
 */
export function chromiumPath(): string {
  const given = process.env['CHROMIUM_PATH'];
  if (given) return given;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  throw new Error('no chromium on PATH: install Debian\'s `chromium` package (.ci/run does) or set CHROMIUM_PATH');
}

export function launchChromium(): Promise<Browser> {
  // Chromium refuses to sandbox as root (CI containers run as root).
  const rootArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...rootArgs, '--disable-dev-shm-usage'] });
}
