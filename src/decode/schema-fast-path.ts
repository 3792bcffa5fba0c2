import type { z } from 'zod';

/**
 * zod validation without zod's cost on the common path.
 *
 * Why: `schema.safeParse` builds a fresh output object for every object and record it visits
 * (copying each unknown key of a loose object), and that was ~15 % of the decode CPU plus much of
 * its garbage. For a valid record of these schemas the output equals the input, so a plain
 * predicate is enough: "zod accepts this value and would return it unchanged".
 *
 * `compileFastCheck` turns a zod schema into such a predicate, reading the schema's own definition
 * (so it follows the schemas in schemas/events/ with no second copy to maintain) and running zod's
 * own check functions (min length, regex, refine, …). The predicate may only say yes when zod
 * would succeed with an identical value; whenever it is unsure it says no and `safeParseFast`
 * runs zod itself, which also produces the rejects' issue text. Schema parts it does not know
 * (defaults, strict/strip objects, codecs, …) make the whole schema zod-only.
 * src/decode/schema-fast-path.test.ts checks both paths agree over every sample and generated
 * traffic, valid and damaged. It reads zod 4's internal definitions (`_zod.def`): after a zod
 * upgrade that test is what says whether this still holds.
 */

type FastCheck = (value: unknown) => boolean;

/** What zod's check functions read and write (a parse payload). */
interface CheckPayload {
  value: unknown;
  issues: unknown[];
}

interface ZodInternals {
  def: Record<string, unknown> & { type: string; checks?: ZodCheck[] };
  optin?: string;
}
interface ZodCheck {
  _zod: { check: (payload: CheckPayload) => unknown; def: { when?: (payload: CheckPayload) => boolean } };
}
type AnyZod = { _zod: ZodInternals };

// zod also reads inherited enumerable keys (for…in); JSON.parse only makes plain objects, so any
// other prototype is left to zod.
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const hasOwnProto = (v: object): boolean => Object.prototype.hasOwnProperty.call(v, '__proto__');

/** zod's own checks, in order; passes when none reports an issue or rewrites the value. */
function checksOf(schema: AnyZod): FastCheck | undefined {
  const checks = schema._zod.def.checks ?? [];
  if (checks.length === 0) return undefined;
  return (value) => {
    const payload: CheckPayload = { value, issues: [] };
    for (const check of checks) {
      const when = check._zod.def.when;
      if (when && !when(payload)) continue;
      const result = check._zod.check(payload);
      if (result instanceof Promise || payload.issues.length > 0 || payload.value !== value) return false;
    }
    return true;
  };
}

function withChecks(schema: AnyZod, typeTest: FastCheck): FastCheck {
  const checks = checksOf(schema);
  return checks ? (v) => typeTest(v) && checks(v) : typeTest;
}

function compileObject(schema: AnyZod): FastCheck | undefined {
  const def = schema._zod.def as unknown as { shape: Record<string, AnyZod>; catchall?: AnyZod };
  // Only loose objects return unknown keys as they are; strip and strict objects change or refuse them.
  if (def.catchall?._zod.def.type !== 'unknown') return undefined;
  const keys = Object.keys(def.shape);
  if (Object.getOwnPropertySymbols(def.shape).length > 0 || keys.includes('__proto__')) return undefined;
  const fields: { key: string; check: FastCheck; optional: boolean }[] = [];
  for (const key of keys) {
    const field = def.shape[key] as AnyZod;
    const check = compile(field);
    if (!check) return undefined;
    // An absent key is fine only for an optional field that supplies nothing in its place.
    fields.push({ key, check, optional: field._zod.optin === 'optional' });
  }
  return withChecks(schema, (v) => {
    // zod drops an own `__proto__` key from its output; such a record takes the zod path.
    if (!isPlainObject(v) || hasOwnProto(v)) return false;
    for (const f of fields) {
      if (f.key in v) {
        if (!f.check(v[f.key])) return false;
      } else if (!f.optional) {
        return false;
      }
    }
    return true;
  });
}

function compileRecord(schema: AnyZod): FastCheck | undefined {
  const def = schema._zod.def as unknown as { keyType: AnyZod; valueType: AnyZod };
  // A key schema with a value set (enum keys) changes how zod walks the record.
  if ((def.keyType._zod as { values?: unknown }).values !== undefined) return undefined;
  const keyCheck = compile(def.keyType);
  const valueCheck = compile(def.valueType);
  if (!keyCheck || !valueCheck) return undefined;
  return withChecks(schema, (v) => {
    if (!isPlainObject(v) || hasOwnProto(v)) return false;
    for (const key of Object.keys(v)) if (!keyCheck(key) || !valueCheck(v[key])) return false;
    return true;
  });
}

function compileUncached(schema: AnyZod): FastCheck | undefined {
  const def = schema._zod.def;
  if (def['coerce']) return undefined;
  switch (def.type) {
    case 'unknown':
    case 'any':
      return withChecks(schema, () => true);
    case 'string':
      return withChecks(schema, (v) => typeof v === 'string');
    case 'number':
      return withChecks(schema, (v) => typeof v === 'number' && Number.isFinite(v));
    case 'boolean':
      return withChecks(schema, (v) => typeof v === 'boolean');
    case 'null':
      return withChecks(schema, (v) => v === null);
    case 'literal':
    case 'enum': {
      // The very set zod's own parse tests.
      const values = (schema._zod as { values?: Set<unknown> }).values;
      return values && withChecks(schema, (v) => values.has(v));
    }
    case 'optional': {
      const inner = def['innerType'] as AnyZod;
      if (inner._zod.optin === 'defaulted') return undefined;
      const check = compile(inner);
      return check && withChecks(schema, (v) => v === undefined || check(v));
    }
    case 'nullable': {
      const check = compile(def['innerType'] as AnyZod);
      return check && withChecks(schema, (v) => v === null || check(v));
    }
    case 'union': {
      // Exclusive unions (z.xor) and discriminated unions have rules of their own.
      if (def['inclusive'] === false || def['discriminator'] !== undefined) return undefined;
      const options = (def['options'] as AnyZod[]).map(compile);
      if (options.some((o) => o === undefined)) return undefined;
      const checks = options as FastCheck[];
      // Every option returns its input unchanged when it passes, so whichever zod picks, the value is the same.
      return withChecks(schema, (v) => checks.some((c) => c(v)));
    }
    case 'array': {
      const element = compile(def['element'] as AnyZod);
      return element && withChecks(schema, (v) => Array.isArray(v) && v.every((x) => element(x)));
    }
    case 'object':
      return compileObject(schema);
    case 'record':
      return compileRecord(schema);
    case 'pipe': {
      // z.preprocess(fn, schema): the value goes through as is when fn returns it unchanged.
      const input = def['in'] as AnyZod;
      if (input._zod.def.type !== 'transform') return undefined;
      const transform = input._zod.def['transform'] as (value: unknown, payload: CheckPayload) => unknown;
      const output = compile(def['out'] as AnyZod);
      if (!output) return undefined;
      return withChecks(schema, (v) => {
        const payload = { value: v, issues: [] as unknown[], addIssue: (issue: unknown) => void payload.issues.push(issue) };
        try {
          return transform(v, payload) === v && payload.issues.length === 0 && output(v);
        } catch {
          return false; // zod decides, and reports
        }
      });
    }
    default:
      return undefined;
  }
}

let fastPathEnabled = true;

/** Runs `fn` with zod alone deciding every safeParseFast: how the tests prove both paths agree. */
export function withZodOnly<T>(fn: () => T): T {
  fastPathEnabled = false;
  try {
    return fn();
  } finally {
    fastPathEnabled = true;
  }
}

const compiled = new WeakMap<object, FastCheck | null>();

/** The fast predicate of a schema, or undefined when only zod itself can decide. Cached. */
export function compileFastCheck(schema: z.ZodType): FastCheck | undefined {
  return compile(schema as unknown as AnyZod);
}

function compile(schema: AnyZod): FastCheck | undefined {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = compileUncached(schema) ?? null;
    compiled.set(schema, check);
  }
  return check ?? undefined;
}

/**
 * `schema.safeParse(value)` with the same result: the value itself when the fast predicate
 * accepts it (zod would return an equal value), zod's answer otherwise.
 */
export function safeParseFast<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  const check = fastPathEnabled ? compileFastCheck(schema) : undefined;
  if (check !== undefined && check(value)) return { success: true, data: value as z.output<S> };
  return schema.safeParse(value);
}
