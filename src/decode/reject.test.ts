import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TimeParseError } from '../normalize/time.ts';
import { issuesDetail, issuesViolation, timeRejectDetail } from './reject.ts';

const errorOf = (schema: z.ZodType, value: unknown): z.ZodError => {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error('expected a validation error');
  return parsed.error;
};

const fiveFields = z.object({ a: z.number(), b: z.number(), c: z.number(), d: z.number(), e: z.number() });

describe('issuesDetail', () => {
  it('names each issue by its path, prefixed with where the value sits', () => {
    const error = errorOf(z.object({ usage: z.object({ prompt_tokens: z.number() }) }), { usage: { prompt_tokens: 'x' } });
    expect(issuesDetail(error)).toMatch(/^usage\.prompt_tokens: /);
    expect(issuesDetail(error, { at: 'data[0].results[1]' })).toMatch(/^data\[0\]\.results\[1\]\.usage\.prompt_tokens: /);
  });

  it('calls the value itself (root), or by its prefix', () => {
    const error = errorOf(z.object({}), 'text');
    expect(issuesDetail(error)).toMatch(/^\(root\): /);
    expect(issuesDetail(error, { at: 'attributes' })).toMatch(/^attributes: /);
  });

  it('lists every issue unless capped, then counts the rest', () => {
    const error = errorOf(fiveFields, {});
    expect(issuesDetail(error).split('; ').map((part) => part.split(':')[0])).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(issuesDetail(error, { max: 3 })).toMatch(/^a: .*; b: .*; c: [^;]*; … 2 more$/);
    expect(issuesDetail(error, { max: 5 })).toBe(issuesDetail(error));
  });

  it('keeps an empty key visible in the path', () => {
    const error = errorOf(z.object({ tags: z.record(z.string(), z.string()) }), { tags: { '': 1 } });
    expect(issuesDetail(error)).toMatch(/^tags\.: /);
  });

  it('makes a schema_violation reject of it', () => {
    const error = errorOf(fiveFields, { a: 1, b: 2, c: 3, d: 4 });
    expect(issuesViolation('x.format', error, '{}', { at: 'logRecord' })).toEqual({
      reason: 'schema_violation',
      format: 'x.format',
      detail: issuesDetail(error, { at: 'logRecord' }),
      raw: '{}',
    });
  });
});

describe('timeRejectDetail', () => {
  it('names the field of an unparseable or implausible time', () => {
    expect(timeRejectDetail('published', new TimeParseError('yesterday', 'not an ISO 8601 time'))).toBe(
      'published: unparseable timestamp "yesterday": not an ISO 8601 time',
    );
  });

  it('rethrows anything else: that is a decoder bug, not a bad record', () => {
    const bug = new TypeError('x is undefined');
    expect(() => timeRejectDetail('published', bug)).toThrow(bug);
  });
});
