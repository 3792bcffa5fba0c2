import type { DecodedMessage } from '../decode/message.ts';

/** The fixed ingest counters: received messages and bytes, records accepted, rejects by reason. */
export class IngestCounters {
  received = 0;
  receivedBytes = 0;
  accepted = 0;
  rejected = 0;
  readonly byFormat: Record<string, number> = {};
  readonly rejectReasons: Record<string, number> = {};
  readonly bySource: Record<string, number> = {};

  record(source: string, decoded: DecodedMessage, bytes: number): void {
    this.received += 1;
    this.receivedBytes += bytes;
    this.bySource[source] = (this.bySource[source] ?? 0) + 1;
    for (const r of decoded.records) {
      this.accepted += 1;
      this.byFormat[r.format] = (this.byFormat[r.format] ?? 0) + 1;
    }
    for (const r of decoded.rejects) {
      this.rejected += 1;
      this.rejectReasons[r.reason] = (this.rejectReasons[r.reason] ?? 0) + 1;
    }
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
