import { z } from 'zod';

/**
 * Bounds of every number a decoder stores, shared by the format schemas. Two limits apply to each:
 * the ClickHouse column's type (a value outside it is refused by the engine or, worse, stored
 * wrapped: 1e20 tokens became 7766279631452191920 in a UInt64, 1e10 ms became 1410065408 in a
 * UInt32) and a plausible domain for one record, so a unit mistake or a hostile value is a reject
 * with reason `out_of_range` naming the field instead of a number that poisons every sum.
 */

export const UINT32_MAX = 4_294_967_295;
/** UInt64 columns take integers up to what a JS number holds exactly; beyond that it is not the value sent. */
export const UINT64_SAFE_MAX = Number.MAX_SAFE_INTEGER;

/** Tokens of one record (a request, or a usage bucket of a whole organisation): a trillion is beyond any real bucket. */
export const MAX_TOKENS = 1e12;
/** Requests of one usage bucket. */
export const MAX_REQUESTS = 1e12;
/** USD of one record, either sign (LiteLLM discounts and provider credits are negative): a billion. */
export const MAX_ABS_USD = 1e9;
/** Durations are UInt32 milliseconds (~49.7 days), longer than any request or tool call. */
export const MAX_DURATION_MS = UINT32_MAX;

/**
 * Marker in the issue message of a bound; src/decode/reject.ts turns an issue carrying it into an
 * `out_of_range` reject. Zod's own too_big/too_small issues are not used because `nonnegative`
 * and `min(1)` on strings share them.
 */
export const OUT_OF_RANGE = 'out of range';

const outOfRange = (min: number, max: number) => `${OUT_OF_RANGE}: expected a number in [${min}, ${max}]`;

/** A number in [min, max]; the message names the range. */
export function boundedNumber(min: number, max: number) {
  const message = outOfRange(min, max);
  return z.number().min(min, message).max(max, message);
}

export const tokenCount = boundedNumber(0, MAX_TOKENS);
/**
 * tokenCount for formats that promise integers. Not zod's `.int()`: that also refuses integers
 * beyond 2^53, so 1e20 tokens would carry a second, non-range issue and not be `out_of_range`.
 */
export const wholeTokenCount = tokenCount.refine(Number.isInteger, 'expected an integer');
export const requestCount = boundedNumber(0, MAX_REQUESTS);
export const durationMs = boundedNumber(0, MAX_DURATION_MS);
export const usdAmount = boundedNumber(-MAX_ABS_USD, MAX_ABS_USD);
/** A non-negative count without a domain of its own (sequence numbers): the column's type range. */
export const uint64Count = boundedNumber(0, UINT64_SAFE_MAX);

/**
 * The same bound for numbers that may arrive as numeric strings (OTLP attributes): the string is
 * checked for its numeric value, so "1e21" is out of range, not a silent 0 or a wrapped integer.
 */
export function boundedNumeric(min: number, max: number) {
  const message = outOfRange(min, max);
  return z.union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/)])
    .refine((v) => {
      const n = typeof v === 'number' ? v : Number(v);
      // A string that is no number at all already failed the union; only the value is judged here.
      return Number.isNaN(n) || (Number.isFinite(n) && n >= min && n <= max);
    }, message);
}
