import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { DataTable, TableRows } from '../normalize/rows.ts';
import type { DecodeContext, DecodeOutput, FormatDecoder } from './types.ts';

/** Set-up shared by the decoder tests: the samples in schemas/samples/, a context, rows of an output. */

const SAMPLES = new URL('../../schemas/samples/', import.meta.url);

/** No prompt text stored; event times accepted up to a day ahead. */
export const CTX: DecodeContext = { storePromptText: false, maxEventTime: Date.now() + 86_400_000 };

/** A fresh copy of schemas/samples/<name>.json; `any`: tests pick samples apart and rebuild them freely. */
export function loadSample(name: string): any {
  return JSON.parse(readFileSync(new URL(`${name}.json`, SAMPLES), 'utf8'));
}

/** Every sample by name, including other sources', so that a new sample cannot be mis-claimed. */
export function allSamples(): [string, unknown][] {
  return readdirSync(SAMPLES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f): [string, unknown][] => {
      try {
        return [[f.slice(0, -'.json'.length), JSON.parse(readFileSync(new URL(f, SAMPLES), 'utf8'))]];
      } catch {
        return [];
      }
    });
}

/** The names of the samples `decoder` claims. */
export function claimedSamples(decoder: FormatDecoder): string[] {
  return allSamples()
    .filter(([, doc]) => decoder.matches(doc))
    .map(([name]) => name);
}

/** The rows of `out`, all of which must be for `table`. */
export function rowsOf<T extends DataTable>(out: DecodeOutput, table: T): TableRows[T][] {
  return out.records.map((r) => {
    if (r.table !== table) throw new Error(`unexpected table ${r.table}`);
    return r.row as TableRows[T];
  });
}

/** The one row of an output that has no rejects. */
export function onlyRow<T extends DataTable>(out: DecodeOutput, table: T): TableRows[T] {
  expect(out.rejects).toEqual([]);
  expect(out.records).toHaveLength(1);
  return rowsOf(out, table)[0]!;
}
