/**
 * Typed errors with a stable code and a retry class. Callers branch on `code`/`retriable`,
 * never on message text.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'KAFKA_UNAVAILABLE'
  | 'INGEST_STOPPED'
  | 'KAFKA_LAUNCH_FAILED'
  | 'CH_UNAVAILABLE'
  | 'STORE_LOCKED'
  | 'STORE_DIR_INVALID'
  | 'CH_INSERT_FAILED'
  /** A query parameter's value has no ClickHouse form (embedded engine, inline-params.ts). */
  | 'CH_PARAM_INVALID'
  /** Ingest waited for the store longer than ingest.storeOutage.giveUpAfterMs, or stopped while waiting. */
  | 'STORE_OUTAGE'
  | 'CH_INSERT_REJECTED'
  | 'VALUE_OUT_OF_RANGE'
  | 'CH_MIGRATION_FAILED'
  | 'INPUT_UNREADABLE'
  | 'POLICY_INVALID'
  /** A gateway configuration read back (policy export round trip) is not what the exporter writes. */
  | 'GATEWAY_CONFIG_INVALID'
  | 'DETECTOR_INVALID'
  | 'DETECTOR_FAILED'
  | 'DETECTOR_NOT_FOUND'
  | 'ALERT_NOT_FOUND'
  | 'ALERT_BAD_TRANSITION'
  | 'DELIVERY_FAILED'
  | 'SECRET_MISSING'
  | 'SESSION_NOT_FOUND'
  | 'LEASE_LOST'
  | 'SERVICE_FAILED'
  | 'SIMULATOR_FAILED';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly context: Record<string, unknown> = {},
    readonly retriable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
