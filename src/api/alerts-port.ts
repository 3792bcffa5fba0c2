/**
 * What the API needs from the alert repository (src/alerts/repository.ts, built alongside), bound
 * to a store. The routes depend on this port only, so they are tested against the real alerts
 * table without the repository, and the repository is wired in by whoever builds the server.
 *
 * Contract (the repository's): unknown id → AppError 'ALERT_NOT_FOUND'; an action the alert's
 * status does not allow → AppError 'ALERT_BAD_TRANSITION'.
 */

// Filters, pages and actions are the alert room's own zod-backed types (src/alerts/schemas.ts).
import type { AlertFilter, AlertPage, TriageAction } from '../alerts/schemas.ts';
export type { AlertFilter, AlertPage, TriageAction };

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

export interface AlertList {
  items: AlertRecord[];
  total: number;
  countsByStatus: Record<string, number>;
}

export interface AlertsPort {
  listAlerts(filter: AlertFilter, page: AlertPage): Promise<AlertList>;
  getAlert(id: string): Promise<AlertDetail | undefined>;
  applyAction(id: string, action: TriageAction, actor: string, now: Date): Promise<AlertDetail>;
  /** Alerts per status under the filter's other fields (its status list is ignored); optional: listAlerts' counts stand in. */
  countAlerts?(filter: AlertFilter): Promise<Record<string, number>>;
}
