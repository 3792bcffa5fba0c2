import type { Alert } from '../../detect/alerts.ts';
import type { DeliveryKind } from '../outbox-table.ts';

/** What a destination is handed: the alert itself (evidence included), not a link alone. */
export interface Notification {
  kind: DeliveryKind;
  alert: Alert;
  /** Firings grouped into this alert. */
  occurrences: number;
  /** `<consoleBaseUrl>/alerts/<id>`. */
  consoleUrl: string;
  /** = fingerprint: lets every receiver drop a redelivery (delivery is at-least-once). */
  dedupKey: string;
  /** The detector's runbook, when the dispatcher knows the detectors. */
  runbook?: string | undefined;
  /** When this delivery is being made (the dispatcher's clock). */
  sentAt: Date;
}

export interface Destination {
  readonly name: string;
  readonly type: string;
  /** Resolves when the receiver accepted it; throws (any error) to be retried. */
  send(n: Notification, signal: AbortSignal): Promise<void>;
}
