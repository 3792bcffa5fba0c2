import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { tsvBuilder } from './tsv.ts';

describe('integer columns in the TSV encoder', () => {
  const columns = ['format', 'output_tokens', 'duration_ms'];

  it.each([
    ['output_tokens', 1e21],
    ['output_tokens', 1e20],
    ['output_tokens', Number.NaN],
    ['output_tokens', Number.POSITIVE_INFINITY],
    ['output_tokens', -1],
    ['duration_ms', 1e10],
  ])('refuses %s = %d with VALUE_OUT_OF_RANGE and keeps none of the row', (column, value) => {
    const b = tsvBuilder(columns);
    b.add({ format: 'ok', output_tokens: 1, duration_ms: 2 });
    const before = Buffer.from(b.finish()).toString();
    let error: unknown;
    try {
      b.add({ format: 'bad', output_tokens: 1, duration_ms: 2, [column]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('VALUE_OUT_OF_RANGE');
    expect((error as AppError).message).toMatch(new RegExp(`^${column}: `));
    b.add({ format: 'after', output_tokens: 3, duration_ms: 4 });
    expect(b.rows).toBe(2);
    expect(Buffer.from(b.finish()).toString()).toBe(`${before}after\t3\t4\n`);
  });

  it('writes values at the bounds', () => {
    const b = tsvBuilder(columns);
    b.add({ format: 'max', output_tokens: Number.MAX_SAFE_INTEGER, duration_ms: 4_294_967_295 });
    expect(Buffer.from(b.finish()).toString()).toBe('max\t9007199254740991\t4294967295\n');
  });
});
