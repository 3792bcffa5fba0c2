import type { Page } from 'playwright-core';

/**
 * Runs `go` (a click, a navigation), then waits until `ready` (every selector of it) is visible: the page's time to usable
 * in ms, as the console's browser test prints it and bench/console.bench.ts measures it.
 */
export async function msUntilVisible(page: Page, go: () => Promise<unknown>, ready: string | readonly string[], timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  await go();
  for (const selector of typeof ready === 'string' ? [ready] : ready) await page.locator(selector).first().waitFor({ state: 'visible', timeout: timeoutMs });
  return performance.now() - started;
}
