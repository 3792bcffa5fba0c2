/**
 * Nesting depth of JSON text, measured without parsing or recursion.
 *
 * Why a pre-scan: every walk over a parsed record (redaction, JSON.stringify, zod) recurses, and a
 * record nested a few thousand levels deep overflows the stack (RangeError) in the decode worker,
 * which then fails the whole segment; through Kafka the consumer restarted in a loop on one such
 * message. Scanning the text first, with a counter instead of a call stack, lets such a record be
 * rejected as `too_deep` before anything recursive sees it.
 */

/**
 * The deepest nesting a record may have. The supported formats nest at most ~12 levels (an OTLP
 * request: resourceLogs → scopeLogs → logRecords → attributes → value → kvlistValue → …); 128
 * leaves room for free-form JSON a gateway copies into metadata (tool schemas, request bodies)
 * while staying far below the ~5,000 levels at which the recursive walks overflow the stack.
 */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * True when the JSON text nests objects/arrays deeper than `limit`. Brackets inside strings do not
 * count. Works on malformed text too (it only counts), so it can run before JSON.parse.
 */
export function exceedsDepth(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
