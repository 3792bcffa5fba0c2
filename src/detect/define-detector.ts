import { z } from 'zod';
import { SOURCE_KINDS, type SourceKind } from '../decode/types.ts';
import { AppError } from '../errors.ts';
import { DAY_MS, DURATION_PATTERN, parseDuration } from './duration.ts';
import { paramSpecSchema, paramSpecValueSchema, type ParamSpecs, type ParamValues } from './params.ts';
import { placeholders, sourcesOf, type SqlText } from './sql.ts';

/**
 * The detector contract. A detector is ONE plain object in `detectors/<family>/<name>.ts`:
 *
 *   export default defineDetector({ id, title, …, params, query: sql`…`, evaluate?, alert })
 *
 * Metadata is validated here when the file is loaded (startup and CI), never at 3 a.m.:
 * enums, durations (lookback ≥ every), non-empty framework controls / runbook / false positives,
 * and the query's placeholders — only {from:DateTime64(3)}, {to:DateTime64(3)}, the batch
 * placeholders below and declared params with their declared ClickHouse type. The runtime (run.ts)
 * binds the window and params, runs the query in ClickHouse (aggregation happens there), passes the
 * small result through `evaluate` (optional TypeScript statistics), and maps each remaining row to
 * an alert with `alert`.
 *
 * `batch: true` — the query evaluates a run of consecutive windows in one go, which is what makes
 * catch-up, `detect --from/--to` and `backtest` cost one query per day instead of one per window
 * (a detector query costs 100–400 ms of ClickHouse analysis before it reads a row). The runtime
 * binds {from} = start of the first window's data, {to} = end of the last window, and
 * {every:UInt32} / {lookback:UInt32} in seconds: window k reads [from + k·every, from + k·every +
 * lookback). Every result row carries `window_end` (DateTime64(3)), the end of the window it was
 * computed for, and must equal what a batch of that one window returns (batch.test.ts checks).
 */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const AUDIENCES = ['soc', 'finops'] as const;
export type Audience = (typeof AUDIENCES)[number];
/** The signal an alert page charts around the incident (src/views/alert-signal.ts). */
export const SIGNALS = ['spend', 'share', 'count'] as const;
export type Signal = (typeof SIGNALS)[number];

// Typed parameters live in params.ts; re-exported because every detector file imports `param` from here.
export {
  param, paramSpecValueSchema, paramsOverrideSchema, paramValueSchema,
  type ParamSpec, type ParamSpecs, type ParamType, type ParamValue, type ParamValues,
} from './params.ts';

// ---------- alert drafts ----------

export type EvidenceValue = string | number | boolean | null | readonly (string | number)[];

/** What supports the alert: aggregated figures, and a few raw records (redacted again on store). */
export interface Evidence {
  figures: Record<string, EvidenceValue>;
  samples?: readonly unknown[];
  /** The effective parameters the detector judged with (defaults overlaid with the policy's overrides); set by the runtime. */
  params?: Record<string, string | number | readonly string[]>;
  /** Where they came from: `default`, `policy` (organisation-wide overrides) or `policy team <id>`. */
  paramScope?: string;
}

/** What `alert(row)` returns; the runtime adds id, fingerprint, severity, controls, times, status. */
export interface AlertDraft {
  /** What the alert is about, stable across runs, e.g. `session:<id>`, `anthropic:apikey_01…`. */
  entity: string;
  /** Canonical team id from the policy; '' when it cannot be attributed. */
  team: string;
  /** Accountable human (e-mail); '' when unknown — say so in the summary. */
  identity: string;
  /** The credential involved (policy credential id, provider key id, gateway key alias …); '' if none. */
  credential: string;
  summary: string;
  evidence: Evidence;
  impactUsd?: number | null;
  /** Incident window; with detector and entity it forms the fingerprint, so keep it stable across runs. */
  windowStart: Date | string;
  windowEnd: Date | string;
}

export interface DetectorContext<P extends ParamSpecs> {
  readonly params: ParamValues<P>;
  /** The evaluated data window [from, to). */
  readonly window: { readonly from: Date; readonly to: Date };
}

// ---------- metadata ----------

const duration = z.string().regex(DURATION_PATTERN, 'a duration like 15m, 1h, 1d');
const nonEmpty = z.string().trim().min(1);

export const controlsSchema = z
  .object({
    owaspAgentic: z.array(z.string().regex(/^ASI(0[1-9]|10)$/, 'OWASP Agentic Top 10 id ASI01…ASI10')).min(1),
    maestro: z.array(z.string().regex(/^(L[1-7]|cross-layer)$/, 'CSA MAESTRO layer L1…L7 or cross-layer')).min(1),
    nistAiRmf: z.array(z.string().regex(/^(GOVERN|MAP|MEASURE|MANAGE) \d+\.\d+$/, 'NIST AI RMF subcategory, e.g. MEASURE 2.7')).min(1),
    nistCsf: z.array(z.string().regex(/^(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}$/, 'NIST CSF 2.0 subcategory, e.g. DE.CM-01')).min(1),
  })
  .strict();
export type Controls = z.infer<typeof controlsSchema>;

const scheduleSchema = z
  .object({
    /** How often a window is evaluated; windows are aligned to multiples of it (UTC). */
    every: duration,
    /** How much data each evaluation reads, ending at the window end; ≥ every. */
    lookback: duration,
    /** How long after a window ends before it is evaluated (ingest delay of the fastest source). */
    settle: duration,
    /** Give up waiting for `requires` sources after this long past the window end; evaluate anyway. */
    maxWait: duration.default('24h'),
    /** Re-evaluate windows up to this old when late data lands in them. */
    recheck: duration.default('24h'),
  })
  .strict()
  .superRefine((s, ctx) => {
    const ms = (k: keyof typeof s) => (DURATION_PATTERN.test(s[k]) ? parseDuration(s[k]) : NaN);
    const every = ms('every');
    if (every === 0 || (every < DAY_MS ? DAY_MS % every !== 0 : every % DAY_MS !== 0)) {
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'every must divide a day (e.g. 5m, 15m, 1h, 6h) or be whole days' });
    }
    if (ms('lookback') < every) ctx.addIssue({ code: 'custom', path: ['lookback'], message: 'lookback must be ≥ every, or data between windows is never read' });
    if (ms('recheck') < every) ctx.addIssue({ code: 'custom', path: ['recheck'], message: 'recheck must be ≥ every' });
  });

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'must be a function');

export const detectorMetaSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*$/, 'id is <family>.<name>, kebab-case'),
    title: nonEmpty.max(120),
    description: nonEmpty,
    severity: z.enum(SEVERITIES),
    audience: z.enum(AUDIENCES),
    schedule: scheduleSchema,
    requires: z.array(z.enum(SOURCE_KINDS)).default([]),
    controls: controlsSchema,
    runbook: z.string().trim().min(40, 'runbook must tell an analyst what to check and do (≥ 40 characters)'),
    falsePositives: z.array(nonEmpty).min(1),
    signal: z.enum(SIGNALS).optional(),
    params: z.record(z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'param names are camelCase'), paramSpecSchema).default({}),
    batch: z.boolean().default(false),
    early: z.boolean().default(false),
    earlyOn: z.array(z.enum(SOURCE_KINDS)).min(1).optional(),
    query: z.string().min(1),
    evaluate: fn.optional(),
    alert: fn,
  })
  .strict();

/** Placeholders the runtime binds for batch detectors, in seconds. */
export const BATCH_PLACEHOLDERS = ['every', 'lookback'] as const;

/**
 * `{early:UInt8}`: 1 in an early look at windows still filling (cycle.ts runEarly), 0 in a regular
 * run. Bound only for an early detector whose query names it: what a query must hold back while a
 * source it compares against is still catching up (a gap that later rows would close).
 */
const EARLY_PLACEHOLDER = /\{\s*early\s*:/;
export const bindsEarly = (detector: Pick<AnyDetector, 'early' | 'query'>): boolean => detector.early && EARLY_PLACEHOLDER.test(detector.query);

/**
 * Query checks, run whether or not the rest of the metadata parsed (zod skips object refinements
 * when a field fails), so one report lists every problem of a detector.
 */
function queryIssues(spec: Record<string, unknown>): string[] {
  const query = spec['query'];
  if (typeof query !== 'string') return [];
  const issues: string[] = [];
  const declared = (typeof spec['params'] === 'object' && spec['params'] !== null ? spec['params'] : {}) as Record<string, { type?: unknown }>;
  const seen = new Set<string>();
  const batch = spec['batch'] === true;
  for (const name of [...BATCH_PLACEHOLDERS, 'early']) {
    if (name in declared) issues.push(`params.${name}: "${name}" is bound by the runtime; choose another name`);
  }
  for (const { name, type } of placeholders(query)) {
    seen.add(name);
    if (name === 'from' || name === 'to') {
      if (type !== 'DateTime64(3)') issues.push(`query: {${name}:…} must be typed DateTime64(3)`);
      continue;
    }
    if ((BATCH_PLACEHOLDERS as readonly string[]).includes(name)) {
      if (!batch) issues.push(`query: {${name}:…} is only bound for batch detectors (batch: true)`);
      else if (type !== 'UInt32') issues.push(`query: {${name}:…} must be typed UInt32 (seconds)`);
      continue;
    }
    if (name === 'early') {
      if (spec['early'] !== true) issues.push('query: {early:…} is only bound for early detectors (early: true)');
      else if (type !== 'UInt8') issues.push('query: {early:…} must be typed UInt8');
      continue;
    }
    const p = declared[name];
    if (!p) issues.push(`query: {${name}:${type}} is not a declared param`);
    else if (p.type !== type) issues.push(`query: {${name}:${type}} but the param is declared ${String(p.type)}`);
  }
  for (const bound of ['from', 'to']) {
    if (!seen.has(bound)) issues.push(`query: the query must filter on {${bound}:DateTime64(3)}`);
  }
  if (batch && !/\bwindow_end\b/.test(query)) issues.push('query: a batch query must return a window_end column');
  if (/\bFORMAT\s+\w+\s*;?\s*$/i.test(query) || /;\s*$/.test(query)) issues.push('query: no trailing FORMAT or ";" — the runtime sets the format');
  const sources = sourcesOf(query);
  if (sources.length === 0) issues.push('query: the query reads none of gateway_requests, provider_usage, idp_events, agent_events');
  const requires = Array.isArray(spec['requires']) ? (spec['requires'] as unknown[]) : [];
  requires.forEach((r, i) => {
    if (!sources.includes(r as SourceKind)) issues.push(`requires.${i}: requires "${String(r)}" but the query does not read its table`);
  });
  const earlyOn = Array.isArray(spec['earlyOn']) ? (spec['earlyOn'] as unknown[]) : [];
  if (earlyOn.length > 0 && spec['early'] !== true) issues.push('earlyOn: only an early detector (early: true) has early looks');
  earlyOn.forEach((r, i) => {
    if (!sources.includes(r as SourceKind)) issues.push(`earlyOn.${i}: "${String(r)}" prompts early looks but the query does not read its table`);
  });
  return issues;
}

// ---------- the detector ----------

/**
 * Row: what the query returns. Out: what alert() receives — the same rows, or what evaluate()
 * made of them (e.g. rows grouped and enriched with statistics).
 */
export interface DetectorSpec<P extends ParamSpecs, Row extends object, Out extends object = Row> {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  audience: Audience;
  schedule: { every: string; lookback: string; settle: string; maxWait?: string; recheck?: string };
  /** Sources that must have reported past the window end before it is evaluated (e.g. billing). */
  requires?: SourceKind[];
  controls: Controls;
  runbook: string;
  falsePositives: string[];
  /** What the alert page charts around an incident; default: spend for finops detectors, else count (signalOf). */
  signal?: Signal;
  params?: P;
  /** The query evaluates consecutive windows at once and returns `window_end` (see the file comment). */
  batch?: boolean;
  /**
   * A finding never goes away as more of its window's data arrives (a count reaching a floor, an
   * event that should not happen): the open window is evaluated as data lands, before its settle
   * (src/detect/cycle.ts runEarly), so the alert comes within a tick of the event, not after the
   * window ends. Never for shares, baselines or absences, which partial data can fake.
   */
  early?: boolean;
  /**
   * The sources whose newly stored rows prompt an early look (default: every source the query reads). For
   * a detector whose findings come from one source and are only checked against another: rows of the
   * other landing (every tick, for a gateway) cannot raise anything new, so they need not cost a look.
   */
  earlyOn?: SourceKind[];
  query: SqlText;
  /** Optional statistics over the aggregated rows; returns the rows that should alert. */
  evaluate?(rows: Row[], ctx: DetectorContext<P>): Out[];
  /** One result row (or evaluate() output) → one alert draft, or null to drop it. */
  alert(row: Out, ctx: DetectorContext<P>): AlertDraft | null;
}

const DETECTOR = Symbol.for('driftwatch.detector');

export interface Detector<P extends ParamSpecs = ParamSpecs, Row extends object = object, Out extends object = Row>
  extends Readonly<DetectorSpec<P, Row, Out>> {
  readonly requires: SourceKind[];
  readonly params: P;
  readonly batch: boolean;
  readonly early: boolean;
  /** The sources whose stored rows prompt an early look (`earlyOn`, else every source read). */
  readonly earlyOn: SourceKind[];
  readonly schedule: { every: string; lookback: string; settle: string; maxWait: string; recheck: string };
  /** Sources the query reads (derived from its table names). */
  readonly sources: SourceKind[];
  readonly scheduleMs: { every: number; lookback: number; settle: number; maxWait: number; recheck: number };
  readonly [DETECTOR]: true;
}

/** Any detector, as the registry and runtime handle them (rows are untyped there). */
 
export type AnyDetector = Detector<ParamSpecs, any, any>;

export function isDetector(value: unknown): value is AnyDetector {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DETECTOR] === true;
}

// Out is inferred from alert()'s parameter; Row defaults to it, so an unannotated evaluate(rows)
// sees the same row type, and annotating evaluate(rows: QueryRow[]) makes them differ.
export function defineDetector<
  P extends ParamSpecs = Record<never, never>,
  Out extends object = Record<string, unknown>,
  Row extends object = Out,
>(spec: DetectorSpec<P, Row, Out>): Detector<P, Row, Out> {
  const parsed = detectorMetaSchema.safeParse(spec);
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)),
    ...queryIssues(spec as unknown as Record<string, unknown>),
  ];
  if (!parsed.success || issues.length > 0) {
    const id = typeof spec?.id === 'string' ? spec.id : '(no id)';
    throw new AppError('DETECTOR_INVALID', `detector ${id} is invalid:\n  ${issues.join('\n  ')}`, { detector: id, issues });
  }
  const s = parsed.data.schedule;
  const sources = sourcesOf(spec.query);
  return Object.freeze({
    ...spec,
    requires: parsed.data.requires,
    params: (spec.params ?? {}) as P,
    batch: parsed.data.batch,
    early: parsed.data.early,
    earlyOn: parsed.data.earlyOn ?? sources,
    schedule: s,
    sources,
    scheduleMs: {
      every: parseDuration(s.every),
      lookback: parseDuration(s.lookback),
      settle: parseDuration(s.settle),
      maxWait: parseDuration(s.maxWait),
      recheck: parseDuration(s.recheck),
    },
    [DETECTOR]: true as const,
  });
}

/** The signal a detector's alert page charts: its own choice, else spend for the finops audience, else activity counts. */
export function signalOf(detector: Pick<AnyDetector, 'signal' | 'audience'>): Signal {
  return detector.signal ?? (detector.audience === 'finops' ? 'spend' : 'count');
}

/** Defaults overlaid with overrides; every value checked against its ClickHouse type. */
export function resolveParams<P extends ParamSpecs>(detector: Detector<P, object, object>, overrides: Record<string, unknown> = {}): ParamValues<P> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(detector.params)) out[name] = spec.default;
  for (const [name, value] of Object.entries(overrides)) {
    const spec = detector.params[name];
    if (!spec) throw new AppError('DETECTOR_INVALID', `${detector.id} has no param "${name}"`, { detector: detector.id });
    const ok = paramSpecValueSchema(spec).safeParse(value);
    if (!ok.success) {
      throw new AppError('DETECTOR_INVALID', `${detector.id} param ${name} must be ${spec.type}: ${ok.error.issues[0]?.message}`, { detector: detector.id });
    }
    out[name] = value;
  }
  return out as ParamValues<P>;
}
