/**
 * Numbers arrive as numbers, numeric strings (OTLP attributes, Anthropic cents), or not at all.
 * These coercions never throw: a missing count is 0. Decoders reject a record through its zod
 * schema when a value is present but not numeric.
 */

export function toNumber(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : 0;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : 0;
  }
  return 0;
}

/** Non-negative integer count (tokens, requests, ms). */
export function toCount(value: unknown): number {
  const n = Math.round(toNumber(value));
  return n > 0 ? n : 0;
}

/** Anthropic cost_report `amount` and Claude Code analytics are decimal strings in cents (N2). */
export function centsToUsd(value: unknown): number {
  return toNumber(value) / 100;
}
