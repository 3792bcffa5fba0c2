/**
 * What the API needs from the alert repository (src/alerts/repository.ts, built alongside), bound
 * to a store. The routes depend on this port only, so they are tested against the real alerts
 * table without the repository, and the repository is wired in by whoever builds the server.
 *
 * Contract (the repository's): unknown id → AppError 'ALERT_NOT_FOUND'; an action the alert's
 * status does not allow → AppError 'ALERT_BAD_TRANSITION'.
 */

export interface AlertFilter {
  status?: string[];
  detector?: string[];
  severity?: string[];
  audience?: string[];
  team?: string[];
  /** The alert's incident window overlaps [from, to). */
  from?: Date;
  to?: Date;
}

export interface AlertPage {
  limit: number;
  offset: number;
  sort?: 'last_seen' | 'severity' | 'first_seen';
  order?: 'asc' | 'desc';
}

/** One alert in a list. Repositories may carry more fields (assignee, count, …); they are passed through. */
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
  firstSeen: string;
  lastSeen: string;
  status: string;
  [extra: string]: unknown;
}

/** One alert with its evidence (and whatever history the repository keeps). */
export interface AlertDetail extends AlertRecord {
  evidence: unknown;
}

export type TriageAction =
  | { kind: 'ack' }
  | { kind: 'resolve'; note?: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'snooze'; until: Date }
  | { kind: 'assign'; assignee: string }
  | { kind: 'comment'; text: string }
  | { kind: 'reopen' };

export interface AlertList {
  items: AlertRecord[];
  total: number;
  countsByStatus: Record<string, number>;
}

export interface AlertsPort {
  listAlerts(filter: AlertFilter, page: AlertPage): Promise<AlertList>;
  getAlert(id: string): Promise<AlertDetail | undefined>;
  applyAction(id: string, action: TriageAction, actor: string, now: Date): Promise<AlertDetail>;
}
