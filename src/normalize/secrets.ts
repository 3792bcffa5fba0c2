import { createHash } from 'node:crypto';
import { rules as secretlintRecommended } from '@secretlint/secretlint-rule-preset-recommend';

/**
 * Credentials never reach the store, the rejects, an alert or a log line: a credential-looking
 * value is replaced by its fingerprint (`sk-ant-…QQAA#3f9a0c1d2e4b`), which still lets an analyst
 * tell two keys apart and match one against a provider's own key hint, and cannot be used.
 *
 * Detection is secretlint's recommended preset (@secretlint/secretlint-rule-preset-recommend):
 * a maintained, tested rule set that follows the providers' real key formats (OpenAI, Anthropic,
 * AWS, GCP, GitHub, private keys, database URLs, …) and ships as plain JS, so it runs in-process
 * on every record. Its rules are run synchronously through their public rule API (`create(context)
 * .file(source)`), not through secretlint's async file linter, because decoding is synchronous and
 * per record. gitleaks was the other candidate, but it is a Go binary with no maintained npm rule
 * package. The preset is deliberately exact (a key must have the real length and checksum-like
 * suffix), so EXTRA_RULES adds what it does not cover and a log of LLM traffic does carry: bearer
 * tokens, JWTs, Anthropic admin keys, OpenAI project/service-account keys and LiteLLM virtual keys
 * of other lengths, and private-key blocks cut short.
 */

interface SecretlintReport {
  range?: readonly [number, number] | number[];
  message?: unknown;
  data?: Record<string, unknown>;
}

interface RuleContext {
  report(descriptor: SecretlintReport): void;
  ignore(descriptor: unknown): void;
  createTranslator(messages: unknown): (id: string, data?: Record<string, unknown>) => { id: string; data: Record<string, unknown> };
  sharedOptions: Record<string, unknown>;
}

interface ScannerRule {
  meta: { id: string; type?: string };
  create(context: RuleContext, options: Record<string, unknown>): { file?: (source: unknown) => unknown };
}

const SCANNERS = (secretlintRecommended as unknown as ScannerRule[]).filter((r) => r.meta.type === undefined || r.meta.type === 'scanner');

// The keys secretlint's rules put the matched value under in their message data.
const DATA_KEYS = ['TOKEN', 'KEY', 'ID', 'URI', 'URL', 'CREDENTIAL', 'SECRET'];

const EXTRA_RULES: readonly RegExp[] = [
  /\bsk-ant-[a-z]+\d{2}-[A-Za-z0-9_-]{16,}/g, // Anthropic api/admin keys of any length
  /\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{16,}/g, // OpenAI and LiteLLM virtual keys
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g, // AWS ids, the preset's documented examples too
  /\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*/g, // JWTs (signed or not)
  /-----BEGIN[A-Z ]{0,20} PRIVATE KEY(?: BLOCK)?-----(?:[\s\S](?!-----END))*[\s\S]?(?:-----END[A-Z ]{0,20} PRIVATE KEY(?: BLOCK)?-----)?/g,
];
// The token after a Bearer/Basic scheme is the credential; the scheme word is kept.
const AUTH_SCHEME = /\b(Bearer|Basic|Token)(\s+|%20)([A-Za-z0-9._~+/=-]{8,})/gi;

const FILE_SOURCE = { filePath: 'record.json', ext: '.json', contentType: 'text' } as const;

// The rules' handlers are created once and report into whichever scan is running: creating 28
// rule contexts per record was most of the scan's cost (allocation, then GC).
let collect: ((d: SecretlintReport) => void) | undefined;
const sharedContext: RuleContext = {
  report: (d) => collect?.(d),
  ignore() {},
  createTranslator: () => (id, data) => ({ id, data: data ?? {} }),
  sharedOptions: {},
};
/**
 * A literal without which each rule of the preset cannot report, read from the rule's patterns
 * (@secretlint/secretlint-rule-preset-recommend): a text that lacks it skips the rule's scan. The
 * scan was a third of decoding a gateway log (npm run bench, 2026-12-06) — 28 rules, each a pass
 * over the whole text, most of them Unicode-mode regexes with a look-behind that V8 cannot search
 * by their literal, one (GCP) a JSON.parse of the whole record — and almost no record holds any of
 * these literals, so one pass of ANY_GATE decides for all. secrets.test.ts fails when a rule of the
 * preset has no gate, and when a rule reports on a text of its corpus that its gate would skip.
 */
export const RULE_GATES: Readonly<Record<string, RegExp>> = {
  // Only the secret-key pattern runs: the preset leaves the ID scans (enableIDScanRule) off.
  '@secretlint/secretlint-rule-aws': /(?:SECRET|secret|Secret)_?(?:ACCESS|access|Access)_?(?:KEY|key|Key)/,
  // A service-account key file: JSON with "private_key_id" and "private_key" (the .p12 check needs a .p12 file).
  '@secretlint/secretlint-rule-gcp': /private_key/,
  // A record is neither package.json nor .npmrc: only the access-token pattern runs.
  '@secretlint/secretlint-rule-npm': /npm_/,
  '@secretlint/secretlint-rule-slack': /xox[bpaor]-|xapp-|hooks\.slack\.com/i,
  '@secretlint/secretlint-rule-basicauth': /:\/\//,
  '@secretlint/secretlint-rule-openai': /sk-/,
  '@secretlint/secretlint-rule-anthropic': /sk-ant-api0/,
  '@secretlint/secretlint-rule-groq': /gsk_/,
  '@secretlint/secretlint-rule-huggingface': /hf_/,
  '@secretlint/secretlint-rule-linear': /lin_api_/,
  '@secretlint/secretlint-rule-notion': /ntn_/,
  '@secretlint/secretlint-rule-privatekey': /PRIVATE KEY/,
  '@secretlint/secretlint-rule-sendgrid': /SG\./,
  '@secretlint/secretlint-rule-shopify': /shp(?:pa|ca|at|ss)_/,
  '@secretlint/secretlint-rule-stripe': /[sr]k_(?:live|test)_/,
  '@secretlint/secretlint-rule-github': /gh[pousr]_|github_pat_/,
  '@secretlint/secretlint-rule-gitlab': /glpat-/,
  '@secretlint/secretlint-rule-grafana': /gl(?:c|sa)_/,
  '@secretlint/secretlint-rule-1password': /ops_/,
  '@secretlint/secretlint-rule-database-connection-string': /mongodb|mysql|postgres/i,
  '@secretlint/secretlint-rule-hashicorp-vault': /hv[sbr]\./,
  '@secretlint/secretlint-rule-vercel': /vc[piark]_/,
  '@secretlint/secretlint-rule-databricks': /dapi/,
  '@secretlint/secretlint-rule-docker': /dckr_pat_/,
  '@secretlint/secretlint-rule-figma': /figd_/,
  '@secretlint/secretlint-rule-cloudflare': /cf(?:k|ut|at)_/,
  '@secretlint/secretlint-rule-tailscale': /tskey-/,
  '@secretlint/secretlint-rule-filter-comments': /secretlint-/,
};
// Case-insensitive, so it matches wherever any gate does (and sometimes where none does: then each gate decides).
const ANY_GATE = new RegExp(Object.values(RULE_GATES).map((g) => `(?:${g.source})`).join('|'), 'gi');

const HANDLERS = SCANNERS.flatMap((rule) => {
  const file = rule.create(sharedContext, {}).file;
  const gate = RULE_GATES[rule.meta.id];
  // Sticky: tried only where ANY_GATE matched.
  return file ? [{ file, gate: gate && new RegExp(gate.source, `${gate.flags}y`) }] : [];
});

/**
 * Which handlers' gates match `text`, in one pass over it: every position where some gate matches
 * is one where ANY_GATE does, so ANY_GATE is searched again from each hit's next character and only
 * there is each gate tried. Nearly every gateway log holds some gate's literal (a URL's "://", a
 * virtual key's "sk-"), so testing each of the 28 gates over the whole text, as before, was 28
 * passes: 42–49 µs of a LiteLLM message's decode against 29–33 µs now (2026-12-07, a scratch
 * loop over 5,000 of the simulator's messages).
 */
function openGates(text: string): boolean[] {
  const open = HANDLERS.map((h) => h.gate === undefined);
  ANY_GATE.lastIndex = 0;
  for (let hit = ANY_GATE.exec(text); hit !== null; hit = ANY_GATE.exec(text)) {
    for (let i = 0; i < HANDLERS.length; i++) {
      const gate = HANDLERS[i]?.gate;
      if (open[i] || gate === undefined) continue;
      gate.lastIndex = hit.index;
      open[i] = gate.test(text);
    }
    ANY_GATE.lastIndex = hit.index + 1;
  }
  return open;
}

function reportedSecret(text: string, d: SecretlintReport): string | undefined {
  const data = d.data ?? (d.message as { data?: Record<string, unknown> } | undefined)?.data;
  for (const k of DATA_KEYS) {
    const v = data?.[k];
    if (typeof v === 'string' && v.length >= 8 && text.includes(v)) return v;
  }
  if (!d.range || d.range.length !== 2) return undefined;
  const [from = 0, to = 0] = d.range;
  return to - from >= 8 && to - from < 8192 ? text.slice(from, to) : undefined;
}

/** Every credential found in `text`, as the substrings to replace. */
export function findSecrets(text: string): string[] {
  const found = new Set<string>();
  collect = (d) => {
    const s = reportedSecret(text, d);
    if (s !== undefined) found.add(s);
  };
  const source = { ...FILE_SOURCE, content: text };
  try {
    const open = openGates(text);
    for (let i = 0; i < HANDLERS.length; i++) {
      // A rule without a gate (one a newer preset adds) always runs.
      const file = HANDLERS[i]?.file;
      if (!open[i] || file === undefined) continue;
      try {
        // Rules' handlers are synchronous scans; a rule that throws must not stop the others.
        void file(source);
      } catch {
        // the other rules and the extra rules still run
      }
    }
  } finally {
    collect = undefined;
  }
  for (const re of EXTRA_RULES) for (const m of text.matchAll(re)) if (m[0].length >= 12) found.add(m[0]);
  for (const m of text.matchAll(AUTH_SCHEME)) if (m[3]) found.add(m[3]);
  // Longest first, so a key is replaced whole before any shorter match inside it.
  return [...found].sort((a, b) => b.length - a.length);
}

const PREFIX = /^(?:sk-ant-[a-z]+\d{2}-|sk-(?:proj-|svcacct-|admin-)?|AKIA|ASIA|ghp_|gho_|github_pat_|glpat-|xox[abprs]-|AIza|eyJ|-----BEGIN[A-Z ]* PRIVATE KEY-----|[a-z][a-z0-9+.-]*:\/\/)/;

/** The stored form of a credential: recognisable prefix, last four characters, short SHA-256. */
export function secretFingerprint(secret: string): string {
  const hash = createHash('sha256').update(secret).digest('hex').slice(0, 12);
  const prefix = PREFIX.exec(secret)?.[0] ?? '';
  const privateKey = prefix.includes('PRIVATE KEY');
  const last4 = privateKey || secret.length < 20 ? '' : secret.slice(-4);
  return `${privateKey ? 'private-key' : prefix}…${last4}#${hash}`;
}

/** `text` with each of `secrets` replaced by its fingerprint. */
export function replaceSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(secretFingerprint(s));
  return out;
}

/** `text` with every credential found in it replaced by its fingerprint. */
export function maskSecrets(text: string): string {
  const secrets = findSecrets(text);
  return secrets.length === 0 ? text : replaceSecrets(text, secrets);
}

/**
 * The secrets as they appear in JSON text (escaped) and as plain values, each mapped to the
 * fingerprint of its plain form, so the `raw` text and the columns get the same fingerprint.
 */
function secretForms(secretsInJsonText: readonly string[]): Map<string, string> {
  const forms = new Map<string, string>();
  for (const s of secretsInJsonText) {
    let plain = s;
    try {
      plain = JSON.parse(`"${s}"`) as string;
    } catch {
      // not an escaped fragment: the plain form is the text itself
    }
    const fp = secretFingerprint(plain);
    forms.set(s, fp);
    forms.set(plain, fp);
  }
  return forms;
}

/**
 * What masks every string copied from `text` (a document, a sample, an alert's figures): `text` is
 * scanned once, and each credential found is replaced in its escaped and plain forms. Null when
 * `text` holds none, so a caller can keep its values as they are.
 */
export function secretsMask(text: string): ((s: string) => string) | null {
  const secrets = findSecrets(text);
  if (secrets.length === 0) return null;
  const forms = secretForms(secrets);
  return (s) => replaceForms(s, forms);
}

/** Replaces every form in `forms` (longest first) within `text`. */
function replaceForms(text: string, forms: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [s, fp] of [...forms].sort((a, b) => b[0].length - a[0].length)) if (out.includes(s)) out = out.split(s).join(fp);
  return out;
}

/** A deep copy of `value` with every string (keys too) of plain objects and arrays passed through `mask`. */
export function maskDeep(value: unknown, mask: (s: string) => string): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, mask));
  if (value === null || typeof value !== 'object') return value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // Buffers, Dates, class instances: as they are
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[mask(k)] = maskDeep(v, mask);
  return out;
}
