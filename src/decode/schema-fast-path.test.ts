import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as anthropicUsage from '../../schemas/events/anthropic-usage.ts';
import * as bedrock from '../../schemas/events/bedrock.ts';
import * as entra from '../../schemas/events/entra.ts';
import * as kong from '../../schemas/events/kong.ts';
import * as litellm from '../../schemas/events/litellm.ts';
import * as okta from '../../schemas/events/okta.ts';
import * as openaiUsage from '../../schemas/events/openai-usage.ts';
import * as otlp from '../../schemas/events/otlp.ts';
import { generateTraffic, rng } from '../../test/fixtures/traffic.ts';
import { decodeSegment, type SegmentRequest } from '../ingest/segment.ts';
import { SOURCE_KINDS, type SourceKind } from './types.ts';
import { compileFastCheck, withZodOnly } from './schema-fast-path.ts';
import { allSamples } from './test-support.ts';
import type { z } from 'zod';

/**
 * The fast path may only say "valid" where zod says valid AND returns an equal value; everything
 * else must reach zod. Checked per schema on every value found in the samples and generated
 * traffic (and damaged copies of them), and end to end: decodeSegment's TSV bytes and rejects are
 * byte-identical with and without the fast path.
 */

const SCHEMAS = (Object.entries({ ...anthropicUsage, ...bedrock, ...entra, ...kong, ...litellm, ...okta, ...openaiUsage, ...otlp }) as [string, unknown][])
  .filter((e): e is [string, z.ZodType] => typeof e[1] === 'object' && e[1] !== null && '_zod' in e[1]);

const TRAFFIC = [...generateTraffic(1_000, { seed: 11 })];

/** Every object, array and scalar inside a JSON value (the value itself first). */
function* allValues(v: unknown): Generator<unknown> {
  yield v;
  if (Array.isArray(v)) for (const x of v) yield* allValues(x);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) yield* allValues(x);
}

const REPLACEMENTS: unknown[] = [null, 0, -1, 1.5, '', ' 12 ', 'x', 'USD', true, {}, [], ['a'], { a: 1 }, '{"a":1}', '["t"]', 1e300];

/** Copies of `doc` with one value somewhere replaced or removed, or a `__proto__` key added. */
function damaged(doc: unknown, random: () => number, count: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const copy = JSON.parse(JSON.stringify(doc)) as unknown;
    const holders = [...allValues(copy)].filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object');
    const target = holders[Math.floor(random() * holders.length)];
    if (!target) continue;
    const keys = Object.keys(target);
    const key = keys[Math.floor(random() * keys.length)];
    const roll = random();
    if (roll < 0.05 && !Array.isArray(target)) Object.defineProperty(target, '__proto__', { value: { x: 1 }, enumerable: true, configurable: true, writable: true });
    else if (roll < 0.1 && !Array.isArray(target)) Object.setPrototypeOf(target, { x: 1 });
    else if (key === undefined) continue;
    else if (roll < 0.3 && !Array.isArray(target)) delete target[key];
    else target[key] = REPLACEMENTS[Math.floor(random() * REPLACEMENTS.length)];
    out.push(copy);
  }
  return out;
}

const random = rng(5);
const DOCS: unknown[] = [
  ...allSamples().map(([, doc]) => doc),
  ...TRAFFIC.map((r) => JSON.parse(r.value.toString('utf8')) as unknown),
];
const CORPUS: unknown[] = [...DOCS, ...DOCS.flatMap((d) => damaged(d, random, 4))];
/** Every value inside the corpus; scalars once each (they repeat by the thousand). */
const VALUES: unknown[] = (() => {
  const scalars = new Set<unknown>();
  const out: unknown[] = [];
  for (const v of CORPUS.flatMap((d) => [...allValues(d)])) {
    if (v !== null && typeof v === 'object') out.push(v);
    else if (!scalars.has(v)) scalars.add(v);
  }
  return [...out, ...scalars];
})();

describe('schema fast path', () => {
  it('compiles the event schemas (else they would all run zod)', () => {
    const zodOnly = SCHEMAS.filter(([, s]) => compileFastCheck(s) === undefined).map(([name]) => name);
    expect(zodOnly).toEqual([]);
  });

  it.each(SCHEMAS)('%s: fast "valid" implies zod valid with an equal value', (_name, schema) => {
    const check = compileFastCheck(schema);
    if (!check) return;
    for (const value of VALUES) {
      if (!check(value)) continue;
      const parsed = schema.safeParse(value);
      expect(parsed.success).toBe(true);
      expect(parsed.data).toStrictEqual(value);
    }
  });

  it('accepts the valid records it is there for', () => {
    // Whole-record schemas on the undamaged generated traffic: the fast path must carry the load.
    const records = [litellm.liteLlmSpendLogSchema, litellm.liteLlmPayloadSchema, kong.kongAiLogSchema, otlp.otelFlatRecordSchema, okta.oktaLogEventSchema];
    for (const schema of records) {
      const check = compileFastCheck(schema)!;
      // Records whose output differs from their input (JSON text parsed by z.preprocess, as in
      // LiteLLM's Pub/Sub records) need zod's output and are not what the fast path is for.
      const valid = DOCS.filter((d) => {
        const parsed = schema.safeParse(d);
        return parsed.success && isDeepStrictEqual(parsed.data, d);
      });
      expect(valid.length).toBeGreaterThan(0);
      expect(valid.filter((d) => check(d)).length).toBe(valid.length);
    }
  });

  it('decodeSegment output is byte-identical with and without it, valid and damaged input', () => {
    const bySource = new Map<SourceKind, Buffer[]>();
    const add = (source: SourceKind, value: Buffer) => bySource.set(source, [...(bySource.get(source) ?? []), value]);
    for (const r of TRAFFIC) {
      add(r.source, r.value);
      for (const d of damaged(JSON.parse(r.value.toString('utf8')), random, 1)) add(r.source, Buffer.from(JSON.stringify(d)));
    }
    // Samples go to every source: each source's decoders meet foreign formats too.
    for (const [, doc] of allSamples()) {
      for (const source of SOURCE_KINDS) {
        add(source, Buffer.from(JSON.stringify(doc)));
        for (const d of damaged(doc, random, 20)) add(source, Buffer.from(JSON.stringify(d)));
      }
    }
    const maxEventTime = 30 * 365 * 86_400_000;
    for (const [source, values] of bySource) {
      const request: SegmentRequest = {
        source, topic: 't', partition: 0, offsets: values.map((_, i) => String(i)), values,
        storePromptText: false, maxFutureSkewMs: maxEventTime, maxMessageBytes: 1 << 20,
      };
      const fast = decodeSegment(request);
      const zodOnly = withZodOnly(() => decodeSegment(request));
      expect(fast.counts).toEqual(zodOnly.counts);
      expect(fast.rejects).toStrictEqual(zodOnly.rejects);
      for (const [table, encoded] of Object.entries(zodOnly.tables)) {
        const got = fast.tables[table as keyof typeof fast.tables];
        expect(got?.rows).toBe(encoded.rows);
        expect(Buffer.compare(Buffer.from(got!.tsv), Buffer.from(encoded.tsv))).toBe(0);
      }
      expect(Object.keys(fast.tables).sort()).toEqual(Object.keys(zodOnly.tables).sort());
      expect(fast.counts.rejected).toBeGreaterThan(0);
    }
  });
});
