import type { z } from 'zod';
import { TimeParseError } from '../normalize/time.ts';
import type { RecordReject } from './types.ts';
import { OUT_OF_RANGE } from '../../schemas/events/bounds.ts';

/**
 * How decoders say what they refuse. A record that breaks its format's contract is a
 * schema_violation whose detail starts with the path of the offending field, e.g.
 * `data[1].results[0].amount: expected a decimal string of cents`, so that whoever reads
 * ingest_rejects finds the field without reading the decoder.
 */

export function schemaViolation(format: string, detail: string, raw: string): RecordReject {
  return { reason: onlyOutOfRange(detail) ? 'out_of_range' : 'schema_violation', format, detail, raw };
}

/**
 * A record whose only faults are numbers outside their bounds (schemas/events/bounds.ts) is a
 * reason of its own: it is well formed but carries values no column can hold, which an operator
 * looks for separately. With any other fault beside them it stays a schema_violation. The detail
 * is issuesDetail's `path: message; …` listing, whose bound messages carry OUT_OF_RANGE.
 */
function onlyOutOfRange(detail: string): boolean {
  const issues = detail.split('; ').filter((part) => !part.startsWith('… '));
  return issues.length > 0 && issues.every((part) => part.includes(OUT_OF_RANGE));
}

export interface IssueListing {
  /** Where the validated value sits in the stored record (`data[0]`, `attributes`); '' for the record itself. */
  at?: string;
  /** How many issues to spell out; the rest are counted. A document of another kind can have dozens. */
  max?: number;
}

/** Zod issues as `path: message; …`, each path prefixed with `at`; `(root)` is the value itself. */
export function issuesDetail(error: z.ZodError, { at = '', max = Infinity }: IssueListing = {}): string {
  const listed = error.issues.slice(0, max).map((issue) => {
    const path = issue.path.map(String);
    return `${(at === '' ? path : [at, ...path]).join('.') || '(root)'}: ${issue.message}`;
  });
  const omitted = error.issues.length - listed.length;
  return listed.join('; ') + (omitted > 0 ? `; … ${omitted} more` : '');
}

export function issuesViolation(format: string, error: z.ZodError, raw: string, listing?: IssueListing): RecordReject {
  return schemaViolation(format, issuesDetail(error, listing), raw);
}

/**
 * The detail for an event time that does not parse or is implausible, `field: why`. Only a
 * TimeParseError is the record's fault; any other error is a decoder bug and is rethrown.
 */
export function timeRejectDetail(field: string, err: unknown): string {
  if (err instanceof TimeParseError) return `${field}: ${err.message}`;
  throw err;
}
