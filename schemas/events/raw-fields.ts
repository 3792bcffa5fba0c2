/**
 * What the stored `raw` record of a format may keep (issue 9 item 3): the fields the format
 * contract (formats.md) names as non-content — ids, times, counts, models, identities — declared
 * beside each format's schema. Everything else in a record (a field the contract does not name, a
 * custom header, a free-form note, a key a client or a newer release added) is stored as
 * `[redacted N bytes sha256:…]`, so an analyst sees that it existed and can match it, never what it
 * said. An allowlist rather than rules on key names: prompt text under a name no rule foresaw must
 * not survive (`system_prompt`, `metadata.notes`, `x-debug-prompt`, the OTel `error` attribute).
 *
 * Paths are dotted object keys, matched case-insensitively; `*` is any one key; arrays are
 * transparent (`target.id` is the `id` of every element of `target`). A path keeps the scalar (or
 * the array of scalars) it names; an object found where a scalar was declared is walked with no
 * children allowed.
 */
export interface RawFields {
  /** Non-content fields, kept as they are (credentials in them still become fingerprints). */
  keep: readonly string[];
  /** Content the contract names (prompts, responses, bodies): kept only with `storePromptText`. */
  content?: readonly string[];
  /**
   * Maps of free names — headers, OTel attributes, tags — at a path: which names keep their value
   * (`keep`; `*` globs allowed, e.g. `x-*-session-id`) and which are content. OTLP's
   * `[{key, value}]` lists are read as such maps.
   */
  names?: Readonly<Record<string, { keep: readonly string[]; content?: readonly string[] }>>;
  /** Paths kept only when their text matches (an OTLP body that is an event name, not a message). */
  matching?: Readonly<Record<string, RegExp>>;
}

/** `paths` under `prefix` (`under('metadata', ['a'])` = `['metadata.a']`). */
export function under(prefix: string, paths: readonly string[]): string[] {
  return paths.map((p) => `${prefix}.${p}`);
}

/**
 * Headers whose value is evidence (formats.md §1c, §2, §8 gateway headers): user agent, the
 * session and request ids the join map uses (N6), versions, routing, the client SDK's own
 * (`x-app`, `x-stainless-*`). Any other header — a
 * credential, a cookie, a custom `x-debug-prompt` — is free to carry anything and keeps only its name.
 */
export const EVIDENCE_HEADERS: readonly string[] = [
  'user-agent', 'x-claude-code-session-id', 'x-claude-code-agent-id', 'x-claude-code-parent-agent-id', 'x-client-request-id',
  'x-*-session-id', 'anthropic-version', 'anthropic-beta', 'traceparent', 'tracestate', 'content-type', 'content-length',
  'accept', 'host', 'x-request-id', 'request-id', 'x-kong-request-id', 'x-kong-upstream-latency', 'x-kong-proxy-latency',
  'x-kong-llm-model', 'openai-organization', 'openai-project', 'openai-processing-ms', 'mcp-session-id', 'x-forwarded-for',
  'x-forwarded-proto', 'x-real-ip', 'via', 'date', 'server', 'x-litellm-call-id', 'x-litellm-model-id', 'x-litellm-model-group',
  'x-litellm-tags', 'x-app', 'x-stainless-*',
];

/**
 * A report's fields at every level a stored record can start from: the result itself (bucket
 * bounds copied in), a bucket (`results.…`) or a whole page (`data.results.…`), the last two being
 * what a reject of a bucket or page keeps. `envelope` names the page's and bucket's own fields.
 */
export function reportFields(result: readonly string[], bucket: readonly string[], page: readonly string[]): string[] {
  return [...result, ...bucket, ...page, ...under('results', result), ...under('data', bucket), ...under('data.results', result)];
}
