import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { selectRows } from '../store/select-rows.ts';
import type { AlertDraft, AnyDetector, Audience, Controls, Evidence, Severity } from './define-detector.ts';
import { maskSecrets, redactEvidence } from './redact.ts';
import { alertsRaised } from '../telemetry/metrics.ts';
import { clickHouseTime, fromClickHouseTime, toDate } from './windows.ts';

/**
 * Alerts: draft → alert (fingerprint, redaction), and the alerts table (0008_alerts.sql).
 *
 * Identity of an alert is its fingerprint = sha256(detector, entity, incident window). Storing is
 * idempotent: a fingerprint already in the table is "seen again" (last_seen moves, the first
 * evidence, status and id are kept — the evidence that made it fire is what triage needs, and a
 * later partial view of the same incident must not overwrite it); only unknown fingerprints are
 * returned as new. Two processes racing on the same new incident may both report it once; the
 * table still holds one alert.
 *
 * One exception, `growing`: an early detector's later view of its window is never partial (its
 * findings only grow as the window's data lands), so when it weighs more (a larger impact: spend
 * found early in the day, then the rest of the day's bill) its summary, evidence and impact replace
 * the stored ones — FinOps reads the day's total, not its first hours. Nothing is delivered again.
 */

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved', 'suppressed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export interface Alert {
  id: string;
  fingerprint: string;
  detector: string;
  title: string;
  severity: Severity;
  audience: Audience;
  team: string;
  identity: string;
  credential: string;
  entity: string;
  /** ISO 8601 UTC. */
  windowStart: string;
  windowEnd: string;
  summary: string;
  evidence: Evidence;
  impactUsd: number | null;
  controls: Controls;
  policyVersion: string;
  firstSeen: string;
  lastSeen: string;
  status: AlertStatus;
}

const draftSchema = z.object({
  entity: z.string().trim().min(1, 'entity must name what the alert is about'),
  team: z.string(),
  identity: z.string(),
  credential: z.string(),
  summary: z.string().trim().min(1),
  evidence: z.object({ figures: z.record(z.string(), z.unknown()), samples: z.array(z.unknown()).optional() }),
  impactUsd: z.number().finite().nullable().optional(),
  windowStart: z.union([z.date(), z.string()]),
  windowEnd: z.union([z.date(), z.string()]),
});

export function fingerprintOf(detector: string, entity: string, windowStart: Date, windowEnd: Date): string {
  return createHash('sha256')
    .update([detector, entity, windowStart.toISOString(), windowEnd.toISOString()].join('\n'))
    .digest('hex');
}

export interface BuildContext {
  now: Date;
  policyVersion: string;
}

/** Validates a draft (a broken detector fails loudly, naming itself) and completes it. */
export function buildAlert(detector: AnyDetector, draft: AlertDraft, ctx: BuildContext): Alert {
  const ok = draftSchema.safeParse(draft);
  let start: Date | undefined;
  let end: Date | undefined;
  try {
    start = toDate(draft.windowStart);
    end = toDate(draft.windowEnd);
  } catch {
    // reported below
  }
  if (!ok.success || !start || !end || !(start < end)) {
    const why = ok.success ? 'windowStart/windowEnd must be times with windowStart < windowEnd' : ok.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AppError('DETECTOR_FAILED', `${detector.id} produced an invalid alert: ${why}`, { detector: detector.id });
  }
  // Every text field of an alert goes to stdout, chat and the alerts table: a credential a
  // detector copied from a column (an ownerless session's key, say) leaves here as a fingerprint.
  // Done once, here, so no detector can forget it; the fingerprint is stable, so is the alert's.
  const entity = maskSecrets(draft.entity);
  const fingerprint = fingerprintOf(detector.id, entity, start, end);
  const now = ctx.now.toISOString();
  return {
    id: `dw-${fingerprint.slice(0, 20)}`,
    fingerprint,
    detector: detector.id,
    title: detector.title,
    severity: detector.severity,
    audience: detector.audience,
    team: maskSecrets(draft.team),
    identity: maskSecrets(draft.identity),
    credential: maskSecrets(draft.credential),
    entity,
    windowStart: start.toISOString(),
    windowEnd: end.toISOString(),
    summary: maskSecrets(draft.summary),
    evidence: redactEvidence(draft.evidence),
    impactUsd: draft.impactUsd ?? null,
    controls: detector.controls,
    policyVersion: ctx.policyVersion,
    firstSeen: now,
    lastSeen: now,
    status: 'open',
  };
}

interface AlertRow {
  id: string;
  fingerprint: string;
  detector: string;
  title: string;
  severity: string;
  audience: string;
  team: string;
  identity: string;
  credential: string;
  entity: string;
  window_start: string;
  window_end: string;
  summary: string;
  evidence: string;
  impact_usd: number | null;
  owasp_agentic: string[];
  maestro: string[];
  nist_ai_rmf: string[];
  nist_csf: string[];
  policy_version: string;
  first_seen: string;
  last_seen: string;
  status: string;
  updated_at: string;
}

function toRow(a: Alert, updatedAt: Date): AlertRow {
  const t = (iso: string) => clickHouseTime(new Date(iso));
  return {
    id: a.id, fingerprint: a.fingerprint, detector: a.detector, title: a.title, severity: a.severity, audience: a.audience,
    team: a.team, identity: a.identity, credential: a.credential, entity: a.entity,
    window_start: t(a.windowStart), window_end: t(a.windowEnd), summary: a.summary,
    evidence: JSON.stringify(a.evidence), impact_usd: a.impactUsd,
    owasp_agentic: a.controls.owaspAgentic, maestro: a.controls.maestro, nist_ai_rmf: a.controls.nistAiRmf, nist_csf: a.controls.nistCsf,
    policy_version: a.policyVersion, first_seen: t(a.firstSeen), last_seen: t(a.lastSeen), status: a.status,
    updated_at: clickHouseTime(updatedAt),
  };
}

export function fromRow(r: AlertRow): Alert {
  const iso = (v: string) => fromClickHouseTime(v).toISOString();
  return {
    id: r.id, fingerprint: r.fingerprint, detector: r.detector, title: r.title,
    severity: r.severity as Severity, audience: r.audience as Audience,
    team: r.team, identity: r.identity, credential: r.credential, entity: r.entity,
    windowStart: iso(r.window_start), windowEnd: iso(r.window_end), summary: r.summary,
    evidence: JSON.parse(r.evidence) as Evidence, impactUsd: r.impact_usd,
    controls: { owaspAgentic: r.owasp_agentic, maestro: r.maestro, nistAiRmf: r.nist_ai_rmf, nistCsf: r.nist_csf },
    policyVersion: r.policy_version, firstSeen: iso(r.first_seen), lastSeen: iso(r.last_seen), status: r.status as AlertStatus,
  };
}

/** Stored alerts for these fingerprints (newest version of each). */
export async function storedAlerts(store: Store, fingerprints: readonly string[]): Promise<Map<string, Alert>> {
  if (fingerprints.length === 0) return new Map();
  const rows = await selectRows<AlertRow>(store, 'SELECT * FROM alerts FINAL WHERE fingerprint IN {fps:Array(String)}', { fps: [...fingerprints] });
  return new Map(rows.map((r) => [r.fingerprint, fromRow(r)]));
}

export interface PersistResult {
  /** Fingerprints never stored before: the alerts to notify about. */
  created: Alert[];
  /** Already known; last_seen moved. */
  seenAgain: Alert[];
}

export interface PersistOptions {
  /** The alerts' detector is early: a seen-again alert with a larger impact takes the new view (file comment). */
  growing?: boolean;
}

/** Stores alerts idempotently; see the file comment for the rules. */
export async function persistAlerts(store: Store, alerts: readonly Alert[], now: Date, options: PersistOptions = {}): Promise<PersistResult> {
  // The first alert of a fingerprint wins, as it does when the windows are run one by one.
  const first = new Map<string, Alert>();
  for (const a of alerts) if (!first.has(a.fingerprint)) first.set(a.fingerprint, a);
  const unique = [...first.values()];
  if (unique.length === 0) return { created: [], seenAgain: [] };
  const stored = await storedAlerts(store, unique.map((a) => a.fingerprint));
  const created: Alert[] = [];
  const seenAgain: Alert[] = [];
  const lastSeen = now.toISOString();
  for (const alert of unique) {
    const known = stored.get(alert.fingerprint);
    if (known) {
      const grown = options.growing === true && (alert.impactUsd ?? 0) > (known.impactUsd ?? 0) ? { summary: alert.summary, evidence: alert.evidence, impactUsd: alert.impactUsd } : {};
      seenAgain.push({ ...known, ...grown, lastSeen: lastSeen > known.lastSeen ? lastSeen : known.lastSeen });
    }
    else created.push({ ...alert, firstSeen: lastSeen, lastSeen });
  }
  await store.client.insert({
    table: 'alerts',
    values: [...created, ...seenAgain].map((a) => toRow(a, now)),
    format: 'JSONEachRow',
    // Explicit: chdb keeps the last insert's token on its session (store.ts).
    clickhouse_settings: { insert_deduplication_token: '' },
  });
  for (const a of created) alertsRaised.inc({ detector: a.detector, severity: a.severity });
  return { created, seenAgain };
}

/** Stores a batch's alerts (the first of a fingerprint wins) and returns the newly created ones per window. */
export async function persistBatchAlerts(store: Store, alertsPerWindow: readonly (readonly Alert[])[], now: Date, options: PersistOptions = {}): Promise<Alert[][]> {
  const { created } = await persistAlerts(store, alertsPerWindow.flat(), now, options);
  return createdPerWindow(alertsPerWindow, created);
}

/**
 * The newly created alerts of a batch, per window: each one with the first window that raised it
 * (a fingerprint spanning several windows of the batch is new once), in the order of `alertsPerWindow`.
 */
export function createdPerWindow(alertsPerWindow: readonly (readonly Alert[])[], created: readonly Alert[]): Alert[][] {
  const unreported = new Map(created.map((a) => [a.fingerprint, a]));
  return alertsPerWindow.map((alerts) => alerts.flatMap((a) => {
    const c = unreported.get(a.fingerprint);
    unreported.delete(a.fingerprint);
    return c ? [c] : [];
  }));
}
