/**
 * What the API needs from the alert repository (src/alerts/repository.ts), bound to a store
 * (src/alerts/port.ts). The routes depend on this port only; whoever builds the server wires the
 * repository in.
 *
 * Contract (the repository's): unknown id → AppError 'ALERT_NOT_FOUND'; an action the alert's
 * status does not allow → AppError 'ALERT_BAD_TRANSITION'.
 */

// The alert model and its filters, pages and actions belong to the alerts room (src/alerts/).
import type { AlertDetail, AlertList, AlertRecord } from '../alerts/alert-record.ts';
import type { AlertFilter, AlertPage, TriageAction } from '../alerts/schemas.ts';
export type { AlertDetail, AlertFilter, AlertList, AlertPage, AlertRecord, TriageAction };

export interface AlertsPort {
  listAlerts(filter: AlertFilter, page: AlertPage): Promise<AlertList>;
  getAlert(id: string): Promise<AlertDetail | undefined>;
  applyAction(id: string, action: TriageAction, actor: string, now: Date): Promise<AlertDetail>;
  /** Alerts per status under the filter's other fields (its status list is ignored); optional: listAlerts' counts stand in. */
  countAlerts?(filter: AlertFilter): Promise<Record<string, number>>;
}
