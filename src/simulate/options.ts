import { z } from 'zod';
import { AppError } from '../errors.ts';

/**
 * `driftwatch simulate` options, validated at the edge. Durations take seconds too (`90s`): a
 * rehearsal or a demo is counted in seconds and minutes, unlike detector schedules.
 */

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export function parseRunDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new AppError('INPUT_UNREADABLE', `--duration must be like 90s, 15m or 2h (got "${text}")`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

const number = (name: string) => z.coerce.number({ error: `--${name} must be a number` });

export const simulateOptionsSchema = z.object({
  rate: number('rate').positive().max(1_000_000).default(200),
  speedup: number('speedup').positive().max(1_000_000).default(60),
  teams: number('teams').int().min(1).max(4).default(4),
  seed: number('seed').int().default(1),
  incidentsPerHour: number('incidents-per-hour').min(0).max(10).default(1),
  duration: z.string().optional().transform((v) => (v === undefined ? undefined : parseRunDuration(v))),
  truth: z.string().min(1).optional(),
  local: z.boolean().optional(),
  partitions: number('partitions').int().min(1).default(3),
});
export type SimulateOptions = z.output<typeof simulateOptionsSchema>;

export function parseSimulateOptions(raw: Record<string, unknown>): SimulateOptions {
  const parsed = simulateOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('INPUT_UNREADABLE', parsed.error.issues.map((i) => `--${String(i.path[0] ?? '')}: ${i.message}`).join('; '));
  return parsed.data;
}
