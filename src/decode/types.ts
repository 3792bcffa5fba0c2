import type { DataTable, RejectReason, TableRows } from '../normalize/rows.ts';

/** The four Kafka sources; each has its own topic and its own set of formats. */
export const SOURCE_KINDS = ['gateway', 'billing', 'idp', 'agent'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** One normalised record produced by a decoder, addressed to its table. */
export type DecodedRecord = {
  [T in DataTable]: { table: T; format: string; row: TableRows[T] };
}[DataTable];

/** A record (or a whole message) a decoder could not accept; kept, never dropped. */
export interface RecordReject {
  reason: RejectReason;
  format: string;
  detail: string;
  /** The offending record, already redacted, as the JSON text to store. */
  raw: string;
}

export interface DecodeOutput {
  records: DecodedRecord[];
  rejects: RecordReject[];
}

export interface DecodeContext {
  /** Explicit opt-in to store prompt/response text; by default only presence, size and hash. */
  storePromptText: boolean;
  /** Upper bound for plausible event times (now + skew); protects against epoch-unit mistakes. */
  maxEventTime: number;
}

/**
 * One wire format (e.g. LiteLLM SpendLogs row). `matches` is a cheap shape sniff used to pick the
 * decoder for a message; `decode` validates with the zod schema from schemas/events/ and normalises.
 * An envelope (page, array, OTLP request) yields many records; a bad element becomes a reject
 * without failing its siblings.
 */
export interface FormatDecoder {
  readonly format: string;
  readonly source: SourceKind;
  matches(doc: unknown): boolean;
  decode(doc: unknown, ctx: DecodeContext): DecodeOutput;
}
