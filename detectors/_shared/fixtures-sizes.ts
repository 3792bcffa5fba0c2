import type { Policy } from '../../schemas/policy/policy.ts';
import type { DetectorCase } from '../../src/detect/cases.ts';
import { at } from './fixtures.ts';

/**
 * Organisation sizes for the size matrix of detector tests (issue 14): the same planted incident
 * must fire, and the same quiet traffic stay quiet, for a 5-person team at ~$1/day, a 50-person team
 * and a 2,000-person team. A size is only its volumes; the records come from the real-format
 * builders (fixtures.ts, fixtures-finops.ts, fixtures-logging.ts), so a size case goes through the
 * decoders and the policy tables like any other.
 */

export interface OrgSize {
  label: string;
  people: number;
  /** The team's ordinary day of spend, USD. */
  dailyUsd: number;
  /**
   * Gateway model requests in each hour of a working morning, 09:00–14:59 UTC. The 5-person
   * team's is the issue's: 51 requests, peaking at 12 an hour, below a 20-request hourly floor.
   */
  hourlyRequests: readonly number[];
  /** Claude Code sessions running in the busiest hour. */
  activeSessions: number;
}

const MORNING = [6, 8, 12, 10, 7, 8];

export const ORG_SIZES: readonly OrgSize[] = [
  { label: '5-person team (~$1/day)', people: 5, dailyUsd: 1.17, hourlyRequests: MORNING, activeSessions: 3 },
  { label: '50-person team', people: 50, dailyUsd: 60, hourlyRequests: MORNING.map((n) => n * 10), activeSessions: 30 },
  { label: '2,000-person team', people: 2_000, dailyUsd: 2_400, hourlyRequests: MORNING.map((n) => n * 100), activeSessions: 400 },
];

/** The hours of the working morning, `HH:00` on the fixture day. */
export const MORNING_HOURS = MORNING.map((_, i) => `${String(9 + i).padStart(2, '0')}:00`);

/** The evaluated window: the last hour of the morning. */
export const SIZE_WINDOW = { from: at('14:00'), to: at('15:00') };

/** `n` ISO times spread evenly over the hour starting at `hour` (`HH:00`). */
export function spreadOverHour(hour: string, n: number): string[] {
  const start = Date.parse(at(hour));
  return Array.from({ length: n }, (_, i) => new Date(start + Math.floor(((i + 0.5) * 3_600_000) / n)).toISOString());
}

/** A varied but deterministic ordinary day around `centre`: ±30 % in a three-day cycle. */
export function ordinaryDay(centre: number): (daysAgo: number) => number {
  return (daysAgo) => Math.round(centre * (1 + ((daysAgo % 3) - 1) * 0.3) * 100) / 100;
}

/** The size matrix: a detector's cases built once per size, named by it. */
export function sizeMatrix(build: (size: OrgSize) => DetectorCase[]): DetectorCase[] {
  return ORG_SIZES.flatMap((size) => build(size).map((c) => ({ ...c, name: `${size.label}: ${c.name}` })));
}

/** One model request of the busiest hour: when, and in which session. */
export interface BusyRequest { time: string; session: string }

/**
 * The size's busiest hour of agent work, 14:00–14:59: its requests of that hour spread evenly over
 * it and dealt in turn to `activeSessions` sessions. A test maps them to the records of each source
 * (telemetry event, the gateway request carrying its session, a tool call …).
 */
export function busyHour(size: OrgSize): BusyRequest[] {
  const sessions = Array.from({ length: size.activeSessions }, () => crypto.randomUUID());
  return spreadOverHour('14:00', size.hourlyRequests.at(-1) ?? 0).map((time, i) => ({ time, session: sessions[i % sessions.length] ?? '' }));
}

/** The size's working morning, 09:00–14:59: every hour's requests, spread over the hour. */
export function busyMorning(size: OrgSize): string[] {
  return MORNING_HOURS.flatMap((hour, h) => spreadOverHour(hour, size.hourlyRequests[h] ?? 0));
}

/**
 * The policy with the teams' daily budgets at ten of the size's ordinary days (monthly: 400): a
 * budget is the team's own approved figure, so it grows with the organisation as its spend does.
 */
export function sizedBudgets(size: OrgSize, teams: readonly string[]): (p: Policy) => Policy {
  return (p) => ({
    ...p,
    teams: p.teams.map((t) => (teams.includes(t.id) ? { ...t, budgets: [{ from: '2026-01-01', dailyUsd: 10 * size.dailyUsd, monthlyUsd: 400 * size.dailyUsd }] } : t)),
  });
}
