import { z } from 'zod';
import { fromClickHouseTime } from '../detect/windows.ts';
import type { Store } from '../store/store.ts';

/**
 * Planted vs detected: the simulator's ground truth held against the alerts table. An alert
 * detects a planted incident when it has the incident's detector and entity and its window
 * overlaps the incident (its simulated start, widened by `slackSeconds` because a detector
 * window is an hour or a day, not the minute the incident began). One incident may raise several
 * alerts (an incident spanning two windows); each counts once. Alerts that match no incident are
 * the extras. Time to detect is the first alert's first_seen minus the real time the incident's
 * first record was produced: what an operator waits for, a provider's export delay included.
 * Event → alert is the same alert's first_seen minus the real time the first record of its
 * evidence was produced (`evidenceAt`): driftwatch's own part of that wait.
 */

export const plantedIncidentSchema = z.object({
  detector: z.string().min(1),
  entity: z.string().min(1),
  team: z.string(),
  identity: z.string(),
  /** Simulated time the incident starts (ISO 8601 UTC). */
  plantedAt: z.string(),
  /** Simulated time the incident ends, when it lasts (ISO 8601 UTC). */
  until: z.string().optional(),
  /** Real time its first record was produced (ISO 8601 UTC). */
  producedAt: z.string(),
  /**
   * Real time the first record of this alert's evidence was produced (ISO 8601 UTC): `producedAt`,
   * unless the proof is in a source the incident reaches later; absent while not yet produced.
   */
  evidenceAt: z.string().optional(),
  /** What was planted, for people reading the scorecard. */
  incident: z.string().optional(),
});
export type PlantedIncident = z.infer<typeof plantedIncidentSchema>;

/** The columns of an alert the scorecard reads (alerts table: detector, entity, first_seen, window). */
export interface AlertSighting {
  detector: string;
  entity: string;
  /** ISO 8601 UTC. */
  firstSeen: string;
  windowStart: string;
  windowEnd: string;
}

export interface Scorecard {
  planted: number;
  detected: number;
  missed: Pick<PlantedIncident, 'detector' | 'entity' | 'team' | 'identity' | 'plantedAt'>[];
  extra: AlertSighting[];
  byDetector: Record<string, { planted: number; detected: number }>;
  timeToDetectSeconds: { p50: number | null; p95: number | null };
  /** Over the detected incidents, from their evidence's first record (`evidenceAt`) to their first alert. */
  eventToAlertSeconds: { p50: number | null; p95: number | null };
}

/** Where a delay starts: the incident's first record, or the first record of the alert's evidence. */
export type DelayFrom = 'firstRecord' | 'evidence';

export interface ScoreOptions {
  /** How far outside an alert's window an incident may start and still be the alert's (default 1 h). */
  slackSeconds?: number;
}

/** Nearest-rank percentile of an ascending list (null when empty). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

function overlaps(incident: PlantedIncident, alert: AlertSighting, slackMs: number): boolean {
  const start = Date.parse(incident.plantedAt);
  const end = Date.parse(incident.until ?? incident.plantedAt);
  return Date.parse(alert.windowStart) <= end + slackMs && Date.parse(alert.windowEnd) > start - slackMs;
}

/** The alerts that detect each planted incident (same detector and entity, window overlapping it), in truth order. */
function matchIncidents(truth: readonly PlantedIncident[], alerts: readonly AlertSighting[], options: ScoreOptions): AlertSighting[][] {
  const slackMs = (options.slackSeconds ?? 3600) * 1000;
  return truth.map((incident) => alerts.filter((a) => a.detector === incident.detector && a.entity === incident.entity && overlaps(incident, a, slackMs)));
}

/**
 * Seconds from the incident's first record (or, `from: 'evidence'`, the first record of the alert's evidence) to its
 * first alert. An alert raised before its evidence's record (something the truth did not expect proved it) counts
 * from the first record.
 */
const secondsToDetect = (incident: PlantedIncident, matches: readonly AlertSighting[], from: DelayFrom = 'firstRecord') => {
  const alerted = Math.min(...matches.map((m) => Date.parse(m.firstSeen)));
  const first = Date.parse(incident.producedAt);
  const evidence = from === 'evidence' && incident.evidenceAt !== undefined ? Date.parse(incident.evidenceAt) : first;
  return Math.max(0, (alerted - (alerted >= evidence ? evidence : first)) / 1000);
};

/**
 * Per planted incident, in truth order: seconds from its first record's production (or its
 * evidence's, `from`) to its first alert; null when none detected it.
 */
export function detectionDelays(truth: readonly PlantedIncident[], alerts: readonly AlertSighting[], options: ScoreOptions & { from?: DelayFrom } = {}): (number | null)[] {
  return matchIncidents(truth, alerts, options).map((matches, i) => (matches.length === 0 ? null : secondsToDetect(truth[i] as PlantedIncident, matches, options.from)));
}

export function scorecard(truth: readonly PlantedIncident[], alerts: readonly AlertSighting[], options: ScoreOptions = {}): Scorecard {
  const used = new Set<AlertSighting>();
  const byDetector: Scorecard['byDetector'] = {};
  const missed: Scorecard['missed'] = [];
  const delays: number[] = [];
  const fromEvidence: number[] = [];
  let detected = 0;
  matchIncidents(truth, alerts, options).forEach((matches, i) => {
    const incident = truth[i] as PlantedIncident;
    const stats = (byDetector[incident.detector] ??= { planted: 0, detected: 0 });
    stats.planted += 1;
    if (matches.length === 0) {
      const { detector, entity, team, identity, plantedAt } = incident;
      missed.push({ detector, entity, team, identity, plantedAt });
      return;
    }
    for (const m of matches) used.add(m);
    stats.detected += 1;
    detected += 1;
    delays.push(secondsToDetect(incident, matches));
    fromEvidence.push(secondsToDetect(incident, matches, 'evidence'));
  });
  delays.sort((a, b) => a - b);
  fromEvidence.sort((a, b) => a - b);
  return {
    planted: truth.length,
    detected,
    missed,
    extra: alerts.filter((a) => !used.has(a)),
    byDetector,
    timeToDetectSeconds: { p50: percentile(delays, 50), p95: percentile(delays, 95) },
    eventToAlertSeconds: { p50: percentile(fromEvidence, 50), p95: percentile(fromEvidence, 95) },
  };
}

/** Every alert in the store as the scorecard reads it (FINAL: the newest version of each). */
export async function alertSightings(store: Store): Promise<AlertSighting[]> {
  const res = await store.client.query({
    query: 'SELECT detector, entity, first_seen, window_start, window_end FROM alerts FINAL ORDER BY first_seen',
    format: 'JSONEachRow',
  });
  const rows = await res.json<{ detector: string; entity: string; first_seen: string; window_start: string; window_end: string }>();
  const iso = (t: string) => fromClickHouseTime(t).toISOString();
  return rows.map((r) => ({ detector: r.detector, entity: r.entity, firstSeen: iso(r.first_seen), windowStart: iso(r.window_start), windowEnd: iso(r.window_end) }));
}
