import { percentile } from '../src/simulate/scorecard.ts';

/**
 * The pure parts of `npm run bench`'s report: the Markdown table it prints (the README's bench
 * section is that table pasted) and the latency percentiles over planted incidents, some of which
 * may have had no alert within the run.
 */

/** A GitHub Markdown table, columns padded to line up in a terminal too. */
export function markdownTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export interface CensoredPercentile {
  /** Seconds, when the rank falls on a detected incident. */
  seconds: number | null;
  /** True when the rank falls on an incident with no alert within the run: its latency is above `censoredAbove`. */
  above: boolean;
}

/**
 * Nearest-rank percentile of per-incident latencies where null = not detected within the run.
 * Undetected incidents rank last (their latency is at least the time left in the run), so a p95
 * with more than 5 % undetected is "above the run" rather than a figure over the lucky ones.
 */
export function censoredPercentile(latencies: readonly (number | null)[], p: number): CensoredPercentile {
  const sorted = latencies.map((l) => l ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const v = percentile(sorted, p);
  if (v === null) return { seconds: null, above: false };
  return Number.isFinite(v) ? { seconds: v, above: false } : { seconds: null, above: true };
}

export function formatCensored(c: CensoredPercentile, censoredAbove: number): string {
  if (c.above) return `> ${Math.round(censoredAbove)} s`;
  return c.seconds === null ? 'n/a' : `${Math.round(c.seconds)} s`;
}

/** `1,234,567` */
export const thousands = (n: number) => Math.round(n).toLocaleString('en-US');
