import { recordIngestSegment } from '../telemetry/metrics.ts';
import type { SegmentResult } from './segment.ts';

/** The fixed ingest counters: received messages and bytes, records accepted, rejects by reason. */
export class IngestCounters {
  received = 0;
  receivedBytes = 0;
  accepted = 0;
  rejected = 0;
  readonly byFormat: Record<string, number> = {};
  readonly rejectReasons: Record<string, number> = {};
  readonly bySource: Record<string, number> = {};

  recordSegment(source: string, segment: SegmentResult): void {
    recordIngestSegment(source, segment);
    this.received += segment.messageCount;
    this.receivedBytes += segment.payloadBytes;
    this.bySource[source] = (this.bySource[source] ?? 0) + segment.messageCount;
    this.accepted += segment.counts.accepted;
    this.rejected += segment.counts.rejected;
    for (const [f, n] of Object.entries(segment.counts.byFormat)) this.byFormat[f] = (this.byFormat[f] ?? 0) + n;
    for (const [r, n] of Object.entries(segment.counts.rejectReasons)) this.rejectReasons[r] = (this.rejectReasons[r] ?? 0) + n;
  }

  snapshot() {
    return {
      received: this.received,
      receivedBytes: this.receivedBytes,
      accepted: this.accepted,
      rejected: this.rejected,
      byFormat: { ...this.byFormat },
      rejectReasons: { ...this.rejectReasons },
    };
  }
}
