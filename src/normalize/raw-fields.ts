import type { RawFields } from '../../schemas/events/raw-fields.ts';
import { fingerprintContent, isLogged, redactedMarker, sourceTextOf } from './content.ts';

/**
 * The stored `raw` record of a format: what its RawFields declaration (schemas/events/) allows,
 * every other value as `[redacted N bytes sha256:…]`. Credentials in kept values become
 * fingerprints afterwards, in decode/scrub-secrets.ts, which scans the whole document.
 */

interface NameSet {
  exact: Set<string>;
  globs: RegExp[];
}

interface Node {
  children: Map<string, Node>;
  any?: Node;
  keep: boolean;
  content: boolean;
  pattern?: RegExp;
  names?: { keep: NameSet; content: NameSet };
}

/** A RawFields declaration compiled into a tree of lower-cased keys. */
export interface CompiledRawFields {
  readonly root: Node;
}

const newNode = (): Node => ({ children: new Map(), keep: false, content: false });

function nodeAt(root: Node, path: string): Node {
  let node = root;
  for (const segment of path.toLowerCase().split('.')) {
    if (segment === '*') {
      node.any ??= newNode();
      node = node.any;
      continue;
    }
    let child = node.children.get(segment);
    if (child === undefined) {
      child = newNode();
      node.children.set(segment, child);
    }
    node = child;
  }
  return node;
}

function nameSet(names: readonly string[]): NameSet {
  const set: NameSet = { exact: new Set(), globs: [] };
  for (const n of names) {
    const lower = n.toLowerCase();
    if (!lower.includes('*')) set.exact.add(lower);
    else set.globs.push(new RegExp(`^${lower.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`));
  }
  return set;
}

function hasName(set: NameSet, name: string): boolean {
  const lower = name.toLowerCase();
  return set.exact.has(lower) || set.globs.some((g) => g.test(lower));
}

export function compileRawFields(fields: RawFields): CompiledRawFields {
  const root = newNode();
  for (const path of fields.keep) nodeAt(root, path).keep = true;
  for (const path of fields.content ?? []) nodeAt(root, path).content = true;
  for (const [path, names] of Object.entries(fields.names ?? {})) {
    nodeAt(root, path).names = { keep: nameSet(names.keep), content: nameSet(names.content ?? []) };
  }
  for (const [path, pattern] of Object.entries(fields.matching ?? {})) {
    const node = nodeAt(root, path);
    node.keep = true;
    node.pattern = pattern;
  }
  return { root };
}

/** A value that is not allowed: its marker, unless it holds nothing (null, '', {}, "<REDACTED>"). */
function masked(value: unknown): unknown {
  return isLogged(value) ? redactedMarker(fingerprintContent(value, false)) : value;
}

const isScalar = (v: unknown): boolean => v === null || typeof v !== 'object';
const isScalarOrList = (v: unknown): boolean => isScalar(v) || (Array.isArray(v) && v.every(isScalar));

/** `f` over an array's elements, returning the array itself when no element changed. */
function mapArray(values: readonly unknown[], f: (v: unknown) => unknown): unknown {
  let out: unknown[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const r = f(v);
    if (out === undefined && r !== v) out = values.slice(0, i);
    out?.push(r);
  }
  return out ?? values;
}

/**
 * `out[key] = v`, also for a key `__proto__`, which plain assignment would drop (it calls the
 * setter). Only that key takes defineProperty: on every key it was 7 % of decoding a LiteLLM message.
 */
function put(out: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
  else out[key] = v;
}

/** `f` over an object's entries, returning the object itself when no value changed. */
function mapObject(value: Record<string, unknown>, f: (key: string, v: unknown) => unknown): unknown {
  const entries = Object.entries(value);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < entries.length; i++) {
    const [key, v] = entries[i] as [string, unknown];
    const r = f(key, v);
    if (out === undefined && r !== v) {
      out = {};
      for (let j = 0; j < i; j++) put(out, ...(entries[j] as [string, unknown]));
    }
    if (out !== undefined) put(out, key, r);
  }
  return out ?? value;
}

const isKeyValue = (v: unknown): v is { key: string; value: unknown } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Record<string, unknown>)['key'] === 'string' && 'value' in v;

const SCALAR_ANY_VALUE = new Set(['stringValue', 'intValue', 'doubleValue', 'boolValue', 'bytesValue']);

/** OTLP AnyValue holding a scalar: `{stringValue}`, `{intValue}`, … and nothing else. */
const isScalarAnyValue = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.entries(v).every(([k, x]) => SCALAR_ANY_VALUE.has(k) && isScalar(x));

function applyNames(value: unknown, names: NonNullable<Node['names']>, storeText: boolean): unknown {
  const allowed = (name: string): 'keep' | 'content' | 'mask' =>
    hasName(names.content, name) ? (storeText ? 'content' : 'mask') : hasName(names.keep, name) ? 'keep' : 'mask';
  if (Array.isArray(value)) {
    return mapArray(value, (el) => {
      if (!isKeyValue(el)) return masked(el);
      const how = allowed(el.key);
      // Only `key` and `value` are the pair; anything else a producer put beside them is masked.
      return mapObject(el, (k, v) => {
        if (k === 'key') return v;
        if (k !== 'value') return masked(v);
        if (how === 'content' || (how === 'keep' && isScalarAnyValue(v))) return v;
        const marker = masked(v);
        return marker === v ? v : { stringValue: marker };
      });
    });
  }
  if (value === null || typeof value !== 'object') return masked(value);
  return mapObject(value as Record<string, unknown>, (k, v) => {
    const how = allowed(k);
    return how === 'content' || (how === 'keep' && isScalarOrList(v)) ? v : masked(v);
  });
}

/** JSON text where an object was declared (LiteLLM's loggers write `metadata` as text): its parse. */
function parsedObject(value: string): unknown {
  const t = value.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

function apply(value: unknown, node: Node, storeText: boolean): unknown {
  if (node.content) return storeText ? value : masked(value);
  if (node.names) return applyNames(value, node.names, storeText);
  if (Array.isArray(value)) return mapArray(value, (v) => apply(v, node, storeText));
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string' && (node.children.size > 0 || node.any)) {
      const inner = parsedObject(value);
      if (inner !== undefined) return apply(inner, node, storeText);
    }
    if (!node.keep) return masked(value);
    if (node.pattern && !(typeof value === 'string' && node.pattern.test(value))) return masked(value);
    return value;
  }
  return mapObject(value as Record<string, unknown>, (key, v) => {
    const child = node.children.get(key.toLowerCase()) ?? node.any;
    return child ? apply(v, child, storeText) : masked(v);
  });
}

/** The allowed part of `record`; the record itself when everything in it is allowed. */
export function keptFields(record: unknown, fields: CompiledRawFields, storeText: boolean): unknown {
  return apply(record, fields.root, storeText);
}

/**
 * The `raw` text of a record. When every field of a document parsed from a message is allowed,
 * the message text itself is stored: re-serialising a 1.5 KB document per event was a third of
 * the decode cost (bench:ingest).
 */
export function rawText(record: unknown, fields: CompiledRawFields, storeText: boolean): string {
  const kept = keptFields(record, fields, storeText);
  if (kept === record) {
    const source = sourceTextOf(record);
    if (source !== undefined) return source;
  }
  return JSON.stringify(kept);
}
