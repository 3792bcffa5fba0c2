import { redactRecord } from '../normalize/content.ts';
import { maskDeep, maskSecrets as maskSecretsByRule, secretFingerprint, secretsMask } from '../normalize/secrets.ts';
import type { Evidence } from './define-detector.ts';

/**
 * Evidence goes to analysts, tickets and chat. Raw records were already redacted at ingest
 * (prompt text, auth headers), but evidence is the last line: this pass re-applies that redaction
 * and also masks secrets by shape wherever they appear (a key pasted into a tag or a header the
 * gateway did not know), and bounds the size of what is kept.
 */

const MAX_SAMPLES = 5;
const MAX_SAMPLE_CHARS = 8_000;

const SECRET_KEY = /^(password|passwd|secret|client_secret|access_token|refresh_token|id_token|x-goog-api-key|openai-api-key|anthropic-api-key|api_key|api-key|x-api-key|authorization)$/i;

/** Credentials in `text` replaced by their fingerprints (the shared rule set, normalize/secrets.ts). */
export function maskSecrets(text: string): string {
  return maskSecretsByRule(text);
}

function walk(value: unknown, mask: (s: string) => string): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, mask));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && typeof v === 'string' && v !== '' ? maskCredential(v) : walk(v, mask);
  return out;
}

/**
 * What masks the strings of a sample or of the figures: their JSON text scanned once, as ingest
 * scans a document (normalize/secrets.ts secretsMask). Scanning each string on its own, as before,
 * ran the rule set some fifty times per sample: 2.6 ms per alert on the 10 M-request day of
 * bench:detect, which raises 667.
 */
function textMask(text: string): (s: string) => string {
  return secretsMask(text) ?? ((s) => s);
}

/** A value under a credential-named key: a fingerprint unless it already is one (or a key id). */
function maskCredential(v: string): string {
  const masked = maskSecretsByRule(v);
  return masked !== v || v.includes('…') || /^(?:key_|apikey_|REDACTED$)/.test(v) ? masked : secretFingerprint(v);
}

/** A sample as stored: parsed when it is JSON text (the `raw` column), redacted, size-bounded. */
export function redactSample(sample: unknown): unknown {
  let value = sample;
  if (typeof sample === 'string' && /^\s*[[{]/.test(sample)) {
    try {
      value = JSON.parse(sample);
    } catch {
      value = sample;
    }
  }
  const clean = walk(redactRecord(value, false), textMask(typeof sample === 'string' ? sample : JSON.stringify(sample) ?? ''));
  const text = JSON.stringify(clean) ?? 'null';
  return text.length <= MAX_SAMPLE_CHARS ? clean : { truncated: true, chars: text.length, head: text.slice(0, MAX_SAMPLE_CHARS) };
}

export function redactEvidence(evidence: Evidence): Evidence {
  const figures: Evidence['figures'] = {};
  // Figures are numbers, strings and lists of them, but a detector may pass any JSON: all of it is scanned, names too.
  const mask = textMask(JSON.stringify(evidence.figures) ?? '');
  for (const [k, v] of Object.entries(evidence.figures)) figures[mask(k)] = maskDeep(v, mask) as Evidence['figures'][string];
  // '' is a raw record past its column TTL: nothing to show.
  const samples = (evidence.samples ?? []).filter((x) => x !== '' && x !== null && x !== undefined).slice(0, MAX_SAMPLES).map(redactSample);
  // Parameters come from the detector and the policy file, never from data: kept as they are.
  const cited = evidence.params ? { params: evidence.params, paramScope: evidence.paramScope ?? 'default' } : {};
  return samples.length > 0 ? { figures, samples, ...cited } : { figures, ...cited };
}
