/**
 * Every source states time differently (formats.md N3): ISO strings, epoch seconds (float or int),
 * epoch milliseconds, OTLP nanoseconds as strings. All become epoch milliseconds here, then the
 * ClickHouse DateTime64(3) text form.
 */

const MS_PER_S = 1000;
// Anything below 1e11 cannot be milliseconds after 1973, so it is seconds; above 1e14 it is µs/ns.
const SECONDS_LIMIT = 1e11;
const MILLIS_LIMIT = 1e14;
const MICROS_LIMIT = 1e17;

export class TimeParseError extends Error {
  constructor(readonly value: unknown, reason: string) {
    super(`unparseable timestamp ${JSON.stringify(value)}: ${reason}`);
    this.name = 'TimeParseError';
  }
}

/** Epoch number of unknown unit (s, ms, µs, ns) to epoch ms, by magnitude. */
export function epochToMillis(value: number): number {
  const abs = Math.abs(value);
  if (abs < SECONDS_LIMIT) return value * MS_PER_S;
  if (abs < MILLIS_LIMIT) return value;
  if (abs < MICROS_LIMIT) return value / 1000;
  return value / 1_000_000;
}

/** OTLP `timeUnixNano` (a decimal string of nanoseconds, beyond double precision) to epoch ms. */
export function unixNanoToMillis(nanos: string | number): number {
  if (typeof nanos === 'number') return Math.floor(nanos / 1_000_000);
  if (!/^\d+$/.test(nanos)) throw new TimeParseError(nanos, 'not a decimal nanosecond count');
  return nanos.length <= 6 ? 0 : Number(nanos.slice(0, -6));
}

/** ISO 8601 / RFC 3339 (with or without zone; no zone means UTC, as Postgres timestamptz dumps do). */
export function isoToMillis(text: string): number {
  // Postgres timestamptz text ends in `+00` (hours only), which Date.parse does not accept.
  const normalised = text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(normalised);
  const ms = Date.parse(hasZone ? normalised : `${normalised}Z`);
  if (Number.isNaN(ms)) throw new TimeParseError(text, 'not an ISO 8601 time');
  return ms;
}

/** Any supported representation to epoch ms. */
export function toMillis(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return epochToMillis(value);
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) {
      return trimmed.length >= 19 && !trimmed.includes('.')
        ? unixNanoToMillis(trimmed)
        : epochToMillis(Number(trimmed));
    }
    return isoToMillis(trimmed);
  }
  throw new TimeParseError(value, 'expected a number or a string');
}

/** Epoch ms to the DateTime64(3) text ClickHouse parses in every input mode. */
export function toClickHouseTime(ms: number): string {
  return new Date(Math.round(ms)).toISOString().slice(0, 23).replace('T', ' ');
}

/** Earliest event time we accept; older values are almost always a unit mistake. */
export const MIN_EVENT_MS = Date.UTC(2015, 0, 1);

/** Validates a parsed time against [MIN_EVENT_MS, maxEventTime] and formats it. */
export function eventTime(value: unknown, maxEventTime: number): string {
  const ms = toMillis(value);
  if (ms < MIN_EVENT_MS || ms > maxEventTime) {
    throw new TimeParseError(value, `outside the plausible range (${new Date(ms).toISOString?.() ?? ms})`);
  }
  return toClickHouseTime(ms);
}
