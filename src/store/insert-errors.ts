import { AppError } from '../errors.ts';

/**
 * The one place that decides what an insert error means (style rule 7):
 * - `poison`: ClickHouse refused the data itself (a value it cannot parse or hold). Retrying the
 *   same bytes fails forever; the sink isolates the offending rows into ingest_rejects instead.
 * - `retriable`: the engine or the way to it is busy or gone (network, too many parts, memory).
 *   The same insert, with the same deduplication token, may succeed later.
 * - `fatal`: our own error that says it is not retriable (AppError.retriable false).
 * An error we do not recognise is retriable: retrying costs time, whereas calling it poison would
 * move good rows to the rejects.
 */
export type InsertErrorClass = 'poison' | 'retriable' | 'fatal';

/** ClickHouse error codes (src/Common/ErrorCodes.cpp) that blame the inserted data. */
const POISON_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  376, // CANNOT_PARSE_UUID
  407, // DECIMAL_OVERFLOW
  441, // CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING
  467, // CANNOT_PARSE_BOOL
  632, // CANNOT_PARSE_IPV4
  633, // CANNOT_PARSE_IPV6
]);

/**
 * The ClickHouse error code of an insert error. The server client (@clickhouse/client's
 * ClickHouseError) carries it as `code`; chdb's ChdbInsertError carries only the engine's message,
 * which always starts `Code: <n>. DB::Exception:` — the one format this reads, and only here.
 */
export function clickHouseCode(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  const m = /^Code: (\d+)\. DB::Exception/.exec(err.message);
  return m ? Number(m[1]) : undefined;
}

export function classifyInsertError(err: unknown): InsertErrorClass {
  const code = clickHouseCode(err);
  if (code !== undefined && POISON_CODES.has(code)) return 'poison';
  if (err instanceof AppError && !err.retriable) return 'fatal';
  return 'retriable';
}
