import type { Page } from 'playwright-core';

/**
 * Runs `go` (a click, a navigation), then waits until `ready` is visible: the page's time to usable
 * in ms, as the console's browser test prints it and bench/console.bench.ts measures it.
 */
export async function msUntilVisible(page: Page, go: () => Promise<unknown>, ready: string, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  await go();
  await page.locator(ready).first().waitFor({ state: 'visible', timeout: timeoutMs });
  return performance.now() - started;
}
