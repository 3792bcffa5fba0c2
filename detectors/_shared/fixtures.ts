import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Record builders for detector tests, in the sources' REAL wire formats (shared/reference
 * formats.md). Each starts from the checked-in sample in schemas/samples/ — the same documents
 * the decoders are tested on — sets the time fields in that source's own unit (ISO, epoch s,
 * epoch ms, OTLP ns) and a fresh record id, then deep-merges your overrides using the source's own
 * field names. The records go through the real decoders in detectorCases(), never straight into
 * tables, so a fixture that drifts from the real format fails as a reject, loudly.
 */

export type Overrides = { [key: string]: unknown };
type Doc = Record<string, unknown>;

const SAMPLES = fileURLToPath(new URL('../../schemas/samples/', import.meta.url));
// The simulator builds every record from these samples: reading the file once per record was a
// tenth of its CPU. Each caller still gets its own parsed copy to change.
const sampleText = new Map<string, string>();
function sample(name: string): Doc {
  let text = sampleText.get(name);
  if (text === undefined) sampleText.set(name, (text = readFileSync(`${SAMPLES}${name}.json`, 'utf8')));
  return JSON.parse(text) as Doc;
}

function isPlain(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge recursively; arrays, scalars and null replace. */
export function deepMerge(base: Doc, overrides: Overrides = {}): Doc {
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    const b = out[k];
    out[k] = isPlain(b) && isPlain(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/**
 * Fixture clock: a fixed day, never derived from today, so a case's month (its length, the day's
 * position in it) and its place against the example policy's effective dates are the case's own.
 * 2026-10-20 is day 20 of a 31-day month, after every effective date in policy.example.yaml.
 * Retention counts from ingest time (schemas/clickhouse/0013), so a past day keeps its raw
 * evidence. test/calendar.test.ts runs the fixture suite with "today" pinned to several dates.
 */
export const FIXTURE_DAY = '2026-10-20';

/** `at('14:03:11')` → ISO time on the fixture day; dayOffset moves whole days. */
export function at(time: string, dayOffset = 0): string {
  const day = new Date(Date.parse(`${FIXTURE_DAY}T00:00:00Z`) + dayOffset * 86_400_000).toISOString().slice(0, 10);
  return `${day}T${time.length === 5 ? `${time}:00` : time}Z`;
}

let counter = 0;
/** A unique, format-plausible id: `${prefix}` + 20 base-36 characters. */
export function freshId(prefix: string): string {
  counter += 1;
  return `${prefix}${(Date.now().toString(36) + counter.toString(36).padStart(6, '0')).padStart(20, '0').slice(-20)}`;
}

/**
 * A fresh `event.sequence`: Claude Code numbers a session's events and never repeats a number, and
 * ingest takes (session, sequence, event name) as the event's natural key (src/normalize/natural-key.ts).
 */
function freshSequence(): number {
  counter += 1;
  return counter;
}

function uuid(): string {
  return crypto.randomUUID();
}

const ms = (iso: string) => Date.parse(iso);
const isoMs = (t: number) => new Date(t).toISOString();

// ---------- gateway ----------

/** LiteLLM `LiteLLM_SpendLogs` row (formats.md §1b); `session_id` = the Claude Code session. */
export function litellmSpendLog(at: string, overrides: Overrides = {}): Doc {
  const start = ms(at);
  return deepMerge(sample('litellm-spend-log'), {
    request_id: freshId('msg_01'),
    startTime: isoMs(start),
    completionStartTime: isoMs(start + 789),
    endTime: isoMs(start + 6532),
    ...overrides,
  });
}

/** Kong AI Gateway http-log object (formats.md §2); started_at is epoch milliseconds. */
export function kongAiLog(at: string, overrides: Overrides = {}): Doc {
  const id = uuid().replace(/-/g, '');
  return deepMerge(sample('kong-ai'), deepMerge({ started_at: ms(at), request: { id }, response: { headers: { 'x-kong-request-id': id } } }, overrides));
}

// ---------- billing ----------

const HOUR = 3_600_000;
const widthMs = (w: '1h' | '1d') => (w === '1h' ? HOUR : 24 * HOUR);

/** Anthropic usage_report/messages page (formats.md §4a) with one bucket of the given results. */
export function anthropicUsagePage(bucketStart: string, results: Overrides[], width: '1h' | '1d' = '1h'): Doc {
  const base = sample('anthropic-usage') as { data: { results: Doc[] }[] };
  const template = base.data[0]?.results[0] ?? {};
  const start = ms(bucketStart);
  return {
    data: [{ starting_at: isoMs(start).replace('.000Z', 'Z'), ending_at: isoMs(start + widthMs(width)).replace('.000Z', 'Z'), results: results.map((r) => deepMerge(template, r)) }],
    has_more: false,
    next_page: null,
  };
}

/** OpenAI /organization/usage/completions page (formats.md §3); buckets in epoch seconds. */
export function openAiUsagePage(bucketStart: string, results: Overrides[], width: '1h' | '1d' = '1h'): Doc {
  const base = sample('openai-usage') as { data: { results: Doc[] }[] };
  const template = base.data[0]?.results[0] ?? {};
  const start = ms(bucketStart) / 1000;
  return {
    object: 'page',
    data: [{ object: 'bucket', start_time: start, end_time: start + widthMs(width) / 1000, results: results.map((r) => deepMerge(template, r)) }],
    has_more: false,
    next_page: null,
  };
}

/** One person-day of Claude Code analytics: the actor's e-mail and, per model, tokens and estimated cents. */
export interface ClaudeCodeDay {
  email: string;
  models: { model: string; input: number; output: number; cents: number }[];
  sessions?: number;
  overrides?: Overrides;
}

/**
 * Anthropic usage_report/claude_code page (formats.md §4c): one item per person for the UTC day
 * of `day` (its date is midnight, as the report's is).
 */
export function claudeCodeReportPage(day: string, people: ClaudeCodeDay[]): Doc {
  const base = sample('anthropic-claude-code') as { data: Doc[] };
  const template = base.data[0] ?? {};
  return {
    data: people.map((p) => deepMerge({ ...template, model_breakdown: p.models.map((m) => ({
      model: m.model,
      tokens: { input: m.input, output: m.output, cache_read: 0, cache_creation: 0 },
      estimated_cost: { amount: m.cents, currency: 'USD' },
    })) }, {
      date: `${day.slice(0, 10)}T00:00:00Z`,
      actor: { type: 'user_actor', email_address: p.email },
      core_metrics: { num_sessions: p.sessions ?? 3 },
      ...p.overrides,
    })),
    has_more: false,
    next_page: null,
  };
}

/** AWS Bedrock model invocation log record (formats.md §5). */
export function bedrockInvocation(at: string, overrides: Overrides = {}): Doc {
  return deepMerge(sample('bedrock-invocation'), { timestamp: isoMs(ms(at)).replace('.000Z', 'Z'), requestId: uuid(), ...overrides });
}

// ---------- IdP ----------

/** Okta System Log event (formats.md §6); defaults to the LLM-gateway token grant. */
export function oktaEvent(at: string, overrides: Overrides = {}): Doc {
  return deepMerge(sample('okta-token-grant'), { uuid: uuid(), published: isoMs(ms(at)), ...overrides });
}

/** Microsoft Entra ID sign-in (formats.md §7, Graph signIn); defaults to an interactive sign-in. */
export function entraSignIn(at: string, overrides: Overrides = {}): Doc {
  return deepMerge(sample('entra-signin-interactive'), { id: uuid(), createdDateTime: isoMs(ms(at)).replace('.000Z', 'Z'), correlationId: uuid(), ...overrides });
}

// ---------- agent ----------

/**
 * Claude Code OTel event as a flattened OTLP log record (formats.md §8); defaults to
 * `claude_code.api_request`. `attributes` merge into the sample's; set `event.name` (and the body
 * follows) for other events.
 */
export function claudeCodeEvent(at: string, attributes: Overrides = {}, resource: Overrides = {}): Doc {
  const base = sample('claude-code-flat') as Doc & { attributes: Doc; resource: Doc };
  const attrs = deepMerge(base.attributes, {
    'event.timestamp': isoMs(ms(at)),
    'event.sequence': freshSequence(),
    'prompt.id': uuid(),
    request_id: freshId('req_011'),
    client_request_id: uuid(),
    ...attributes,
  });
  return {
    ...base,
    timeUnixNano: `${ms(at)}000000`,
    body: { stringValue: `claude_code.${String(attrs['event.name'])}` },
    resource: deepMerge(base.resource, resource),
    attributes: attrs,
  };
}
