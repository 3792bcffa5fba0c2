import type { Controls, Evidence } from '../detect/define-detector.ts';
import type { Delivery } from './outbox-table.ts';
import type { TriageStatus } from './schemas.ts';
import type { HistoryEntry } from './triage-table.ts';

/**
 * An alert as analysts see it: the detector's row (alerts) joined with its triage state
 * (alert_triage). The alerts room owns this model; the CLI prints it and the HTTP API serves it
 * through its port (src/api/alerts-port.ts), so both show the same fields.
 */
export interface AlertRecord {
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
  windowStart: string;
  windowEnd: string;
  summary: string;
  impactUsd: number | null;
  policyVersion: string;
  firstSeen: string;
  /** The latest firing of this alert or of a duplicate grouped into it. */
  lastSeen: string;
  status: TriageStatus;
  /** Why it was resolved, marked invalid or suppressed (an exception's reason). */
  reason: string;
  assignee: string;
  snoozedUntil: string | null;
  resolvedAt: string | null;
  /** Firings grouped into this alert, itself included. */
  occurrences: number;
  /** Set on a duplicate folded into another alert by the suppression window. */
  groupedInto: string;
  exceptionId: string;
}

export interface AlertComment {
  at: string;
  actor: string;
  text: string;
}

/** One alert with its evidence, controls, triage history, comments and deliveries; times as ISO strings. */
export interface AlertDetail extends AlertRecord {
  evidence: Evidence;
  controls: Controls;
  history: (Omit<HistoryEntry, 'at'> & { at: string })[];
  comments: AlertComment[];
  deliveries: (Omit<Delivery, 'nextAttemptAt' | 'createdAt' | 'deliveredAt'> & { nextAttemptAt: string; createdAt: string; deliveredAt: string | null })[];
}

/** A page of alerts, the total under the filter and the counts per status (the queue's tabs). */
export interface AlertList {
  items: AlertRecord[];
  total: number;
  countsByStatus: Record<string, number>;
}
