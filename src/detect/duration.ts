/**
 * Detector schedule durations: whole minutes, hours or days (`15m`, `1h`, `7d`). Minutes are the
 * finest unit because late-data tracking works on per-minute ingestion marks (sources.ts).
 */
export const DURATION_PATTERN = /^(\d+)(m|h|d)$/;

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const HOUR_MS = UNIT_MS.h;
export const DAY_MS = UNIT_MS.d;

export function parseDuration(text: string): number {
  const m = DURATION_PATTERN.exec(text);
  if (!m) throw new Error(`invalid duration "${text}" (expected e.g. 15m, 1h, 2d)`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

export function formatDuration(ms: number): string {
  if (ms % UNIT_MS.d === 0 && ms > 0) return `${ms / UNIT_MS.d}d`;
  if (ms % UNIT_MS.h === 0 && ms > 0) return `${ms / UNIT_MS.h}h`;
  return `${Math.round(ms / UNIT_MS.m)}m`;
}
