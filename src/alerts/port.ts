import type { AlertsPort } from '../api/alerts-port.ts';
import type { Store } from '../store/store.ts';
import { applyAction, countAlerts, getAlert, listAlerts } from './repository.ts';
import type { Route } from './routing.ts';

/**
 * The repository bound to a store, as the HTTP API's port (src/api/alerts-port.ts) wants it;
 * `routes` (alerts.routes) route a reopened alert that was never delivered.
 */
export function alertsPortFor(store: Store, routes: readonly Route[] = []): AlertsPort {
  return {
    listAlerts: (filter, page) => listAlerts(store, filter, page),
    getAlert: (id) => getAlert(store, id),
    applyAction: (id, action, actor, now) => applyAction(store, id, action, actor, now, routes),
    countAlerts: (filter) => countAlerts(store, filter),
  };
}
