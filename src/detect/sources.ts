import type { SourceKind } from '../decode/types.ts';
import type { Store } from '../store/store.ts';
import { selectRows } from '../store/select-rows.ts';
import { SOURCE_TABLES } from './sql.ts';
import { clickHouseTime, fromClickHouseTime, type TimeWindow } from './windows.ts';

/**
 * How far each source has reported, and how complete a window's data is.
 *
 * High-water mark (readiness): per feed (format) active in the last week, the latest time it has
 * reported until. If the source has periodic feeds (billing usage exports), its mark is the
 * MINIMUM over them — OpenAI can be current while Anthropic is six hours behind. Otherwise it is
 * the maximum over its stream feeds (see SOURCE_TABLES).
 *
 * Ingestion marks (late data): per minute of event time, the latest ingested_at. A window's mark
 * is the max over its minutes; when it grows after the window was evaluated, data arrived late.
 */

const ACTIVE_FEED_MS = 7 * 86_400_000;

export interface Feed {
  format: string;
  periodic: boolean;
  reportedUntil: number;
}

/** Combines feeds into the source's mark: min over periodic feeds, else max over streams. */
export function combineFeeds(feeds: readonly Feed[]): number | null {
  const periodic = feeds.filter((f) => f.periodic);
  if (periodic.length > 0) return Math.min(...periodic.map((f) => f.reportedUntil));
  return feeds.length > 0 ? Math.max(...feeds.map((f) => f.reportedUntil)) : null;
}

export async function sourceFeeds(store: Store, source: SourceKind, now: Date): Promise<Feed[]> {
  const { table, reportedUntil, periodic } = SOURCE_TABLES[source];
  const rows = await selectRows<{ format: string; periodic: number; hw: string }>(
    store,
    // Table and expressions come from the constant SOURCE_TABLES map, not from input.
    `SELECT format, max(${periodic}) AS periodic, max(${reportedUntil}) AS hw FROM ${table}
            WHERE event_time >= {since:DateTime64(3)} GROUP BY format ORDER BY format`,
    { since: clickHouseTime(now.getTime() - ACTIVE_FEED_MS) },
  );
  return rows.map((r) => ({ format: r.format, periodic: Number(r.periodic) === 1, reportedUntil: fromClickHouseTime(r.hw).getTime() }));
}

/** Epoch ms the source has reported until, or null when no feed of it has data this week. */
export async function sourceHighWater(store: Store, source: SourceKind, now: Date): Promise<number | null> {
  const { table, periodic, reportedUntil } = SOURCE_TABLES[source];
  if (periodic !== '0' || reportedUntil !== 'event_time') return combineFeeds(await sourceFeeds(store, source, now));
  // A source of streams only: the max over its feeds active this week is its latest event time, if
  // that is within the week. Asked with no WHERE, ClickHouse answers max(event_time) from each part's
  // min-max index (event_time is the partition key), without reading the week's rows: a week of
  // feeds grouped by format read 10 M rows per day of gateway traffic, every detector run.
  const [row] = await selectRows<{ hw: string; n: number }>(store, `SELECT max(event_time) AS hw, count() AS n FROM ${table}`);
  if (!row || Number(row.n) === 0) return null;
  const hw = fromClickHouseTime(row.hw).getTime();
  return hw >= now.getTime() - ACTIVE_FEED_MS ? hw : null;
}

/**
 * The data's own clock: the newest mark any source has reported until (null before any data). A
 * cycle measures maxWait on it as well as on the wall clock, so a backlog being caught up (or the
 * simulator's compressed past) does not run every window "anyway" the moment it is read: the
 * sources still flowing must have moved maxWait past the window end too.
 */
export async function dataClock(reportedUntil: (source: SourceKind) => Promise<number | null>): Promise<number | null> {
  const marks = await Promise.all((Object.keys(SOURCE_TABLES) as SourceKind[]).map((s) => reportedUntil(s)));
  const known = marks.filter((m): m is number => m !== null);
  return known.length > 0 ? Math.max(...known) : null;
}

/**
 * sourceHighWater, read once per source for the lifetime of the returned function: a scheduler cycle
 * or a `detect` run asks about the same sources for every window and detector.
 */
export function highWaterReader(store: Store, now: Date): (source: SourceKind) => Promise<number | null> {
  const marks = new Map<SourceKind, Promise<number | null>>();
  return (source) => {
    let mark = marks.get(source);
    if (!mark) {
      mark = sourceHighWater(store, source, now);
      marks.set(source, mark);
    }
    return mark;
  };
}

/**
 * The latest time any row of `sources` with an event time at or after `since` was stored (epoch
 * ms, 0 when none), from the source_hourly roll-up (0025): a few rows per hour, so the scheduler can
 * ask it every minute to learn whether late data may have landed, before it reads minute marks.
 */
export async function lastIngest(store: Store, sources: readonly SourceKind[], since: number): Promise<number> {
  if (sources.length === 0) return 0;
  const [row] = await selectRows<{ at: string; n: number }>(
    store,
    `SELECT max(last_ingest) AS at, count() AS n FROM source_hourly WHERE source IN {sources:Array(String)} AND hour >= toStartOfHour({since:DateTime64(3)})`,
    { sources: [...sources], since: clickHouseTime(since) },
  );
  return row && Number(row.n) > 0 ? fromClickHouseTime(row.at).getTime() : 0;
}

/**
 * The newest event time stored by any source this week (epoch ms, null when none), from the
 * source_hourly roll-up (0025): where rows are landing, read from a few rows per hour — the
 * scheduler asks it for every early pass, where sourceFeeds would scan a week of billing rows.
 */
export async function newestEvent(store: Store, now: Date): Promise<number | null> {
  const [row] = await selectRows<{ at: string; n: number }>(
    store,
    'SELECT max(last_event) AS at, count() AS n FROM source_hourly WHERE hour >= toStartOfHour({since:DateTime64(3)})',
    { since: clickHouseTime(now.getTime() - ACTIVE_FEED_MS) },
  );
  return row && Number(row.n) > 0 ? fromClickHouseTime(row.at).getTime() : null;
}

/**
 * The event hours of `sources` in [from, until] holding rows stored after `since` (epoch ms), and
 * the latest such storing (`since` when none), from the source_hourly roll-up (0025): where data has
 * landed since an early pass last looked — the open hours of a stream, and an export's hour
 * delivered late (a usage report's bucket lands an hour or more after it closes).
 */
export async function landedHours(store: Store, sources: readonly SourceKind[], range: { from: number; until: number; since: number }): Promise<{ hours: number[]; until: number }> {
  if (sources.length === 0) return { hours: [], until: range.since };
  const rows = await selectRows<{ hour: string; at: string }>(
    store,
    `SELECT hour, max(last_ingest) AS at FROM source_hourly
            WHERE source IN {sources:Array(String)} AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour <= {until:DateTime64(3)}
            GROUP BY hour HAVING at > {since:DateTime64(3)} ORDER BY hour`,
    { sources: [...sources], from: clickHouseTime(range.from), until: clickHouseTime(range.until), since: clickHouseTime(range.since) },
  );
  const until = Math.max(range.since, ...rows.map((r) => fromClickHouseTime(r.at).getTime()));
  return { hours: rows.map((r) => fromClickHouseTime(r.hour).getTime()), until };
}

/** source → sorted [minute start ms, max ingested_at ms] over event times in [from, to). */
export type MinuteMarks = Map<SourceKind, [number, number][]>;

export async function minuteMarks(store: Store, sources: readonly SourceKind[], window: TimeWindow): Promise<MinuteMarks> {
  const out: MinuteMarks = new Map();
  for (const source of sources) {
    const { table } = SOURCE_TABLES[source];
    const rows = await selectRows<{ minute: string; mark: string }>(
      store,
      `SELECT toStartOfMinute(event_time) AS minute, max(ingested_at) AS mark FROM ${table}
              WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
              GROUP BY minute ORDER BY minute`,
      { from: clickHouseTime(window.from), to: clickHouseTime(window.to) },
    );
    out.set(source, rows.map((r) => [fromClickHouseTime(r.minute).getTime(), fromClickHouseTime(r.mark).getTime()]));
  }
  return out;
}

/** Per source, the latest ingestion of any row in the window (0 when it has none). */
export function windowMarks(marks: MinuteMarks, window: TimeWindow): Record<string, number> {
  const from = window.from.getTime();
  const to = window.to.getTime();
  const out: Record<string, number> = {};
  for (const [source, minutes] of marks) {
    let max = 0;
    for (const [minute, mark] of minutes) if (minute >= from && minute < to && mark > max) max = mark;
    out[source] = max;
  }
  return out;
}

/** Sources whose data in the window was ingested after the recorded marks. */
export function lateSources(recorded: Record<string, number>, current: Record<string, number>): string[] {
  return Object.entries(current).filter(([s, mark]) => mark > (recorded[s] ?? 0)).map(([s]) => s);
}
