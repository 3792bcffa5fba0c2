import type { AlertsPort } from '../api/alerts-port.ts';
import type { Store } from '../store/store.ts';
import { applyAction, countAlerts, getAlert, listAlerts } from './repository.ts';

/** The repository bound to a store, as the HTTP API's port (src/api/alerts-port.ts) wants it. */
export function alertsPortFor(store: Store): AlertsPort {
  return {
    listAlerts: (filter, page) => listAlerts(store, filter, page),
    getAlert: (id) => getAlert(store, id),
    applyAction: (id, action, actor, now) => applyAction(store, id, action, actor, now),
    countAlerts: (filter) => countAlerts(store, filter),
  };
}
