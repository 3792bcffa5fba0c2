import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus metrics (prom-client), served by the API at GET /metrics.
 *
 * One registry per process, created here, so ingest, detection and delivery increment the same
 * objects the API exposes without passing them around. Label values are bounded sets (source,
 * reason, detector id, severity, destination, status, topic/partition) — never an identity or a
 * session id, which would grow the series without bound.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'driftwatch_process_' });

const registers = [metricsRegistry];

export const ingestEvents = new Counter({
  name: 'driftwatch_ingest_events_total', help: 'Messages received from Kafka or replay, per source.', labelNames: ['source'] as const, registers,
});
export const ingestBytes = new Counter({
  name: 'driftwatch_ingest_bytes_total', help: 'Message payload bytes received, per source.', labelNames: ['source'] as const, registers,
});
export const ingestRecordsAccepted = new Counter({
  name: 'driftwatch_ingest_records_accepted_total', help: 'Records decoded and accepted, per source.', labelNames: ['source'] as const, registers,
});
export const ingestRejects = new Counter({
  name: 'driftwatch_ingest_rejects_total', help: 'Records rejected at decode, per source and reason.', labelNames: ['source', 'reason'] as const, registers,
});
export const ingestDuplicatesDropped = new Counter({
  name: 'driftwatch_ingest_duplicates_dropped_total', help: 'Rows not stored because a row with the same natural key is (a record produced again), per table.',
  labelNames: ['table'] as const, registers,
});
export const ingestExportsSuperseded = new Counter({
  name: 'driftwatch_ingest_exports_superseded_total', help: 'Usage and cost bucket exports replaced by a newer export of the same bucket (0029_billing_restatements.sql).',
  registers,
});
export const ingestRowsWithoutNaturalKey = new Counter({
  name: 'driftwatch_ingest_rows_without_natural_key_total', help: 'Rows stored without a natural key, which cannot be deduplicated, per table.',
  labelNames: ['table'] as const, registers,
});
export const consumerLag = new Gauge({
  name: 'driftwatch_consumer_lag_messages', help: 'High-water offset minus the last committed offset, per topic and partition.',
  labelNames: ['topic', 'partition'] as const, registers,
});
export const insertLatency = new Histogram({
  name: 'driftwatch_insert_duration_seconds', help: 'Duration of one batch insert into ClickHouse, per table.', labelNames: ['table'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
});
export const batchesInFlight = new Gauge({
  name: 'driftwatch_ingest_batches_in_flight', help: 'Batches handed to the sink and not yet committed.', registers,
});
export const storeWaitingPartitions = new Gauge({
  name: 'driftwatch_ingest_store_waiting_partitions', help: 'Partitions paused because the store refuses their batch for a reason that passes (disk full, too many parts, memory, network); 0: the store takes writes.', registers,
});
export const storeOutageSeconds = new Gauge({
  name: 'driftwatch_ingest_store_outage_seconds', help: 'How long the partition waiting longest for the store has waited (0: none waits).', registers,
});
export const detectorRunDuration = new Histogram({
  name: 'driftwatch_detector_run_duration_seconds', help: 'Duration of one detector window evaluation, per detector and outcome.',
  labelNames: ['detector', 'outcome'] as const, buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers,
});
export const detectorRuns = new Counter({
  name: 'driftwatch_detector_runs_total', help: 'Detector window evaluations, per detector and outcome (ok | failed).',
  labelNames: ['detector', 'outcome'] as const, registers,
});
export const alertsRaised = new Counter({
  name: 'driftwatch_alerts_raised_total', help: 'New alerts raised, per detector and severity.', labelNames: ['detector', 'severity'] as const, registers,
});
export const deliveries = new Counter({
  name: 'driftwatch_deliveries_total', help: 'Alert delivery outcomes, per destination and status (delivered | retrying: failed, tried again later | failed: given up or undeliverable).',
  labelNames: ['destination', 'status'] as const, registers,
});
export const outboxDepth = new Gauge({
  name: 'driftwatch_outbox_depth', help: 'Deliveries queued and not yet delivered, per destination.', labelNames: ['destination'] as const, registers,
});
export const outboxOldestPendingAge = new Gauge({
  name: 'driftwatch_outbox_oldest_pending_age_seconds', help: 'Age of the oldest delivery queued and not yet delivered, per destination (0: none).',
  labelNames: ['destination'] as const, registers,
});
export const httpRequestDuration = new Histogram({
  name: 'driftwatch_http_request_duration_seconds', help: 'API request duration, per route pattern, method and status.',
  labelNames: ['route', 'method', 'status'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers,
});

/** Everything one decoded segment says about a source, in one call (ingest consumer and replay). */
export function recordIngestSegment(source: string, s: { messageCount: number; payloadBytes: number; counts: { accepted: number; rejectReasons: Record<string, number> } }): void {
  ingestEvents.inc({ source }, s.messageCount);
  ingestBytes.inc({ source }, s.payloadBytes);
  if (s.counts.accepted > 0) ingestRecordsAccepted.inc({ source }, s.counts.accepted);
  for (const [reason, n] of Object.entries(s.counts.rejectReasons)) ingestRejects.inc({ source, reason }, n);
}
