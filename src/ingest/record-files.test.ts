import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRecords } from './record-files.ts';
import { jsonArrayElements } from './json-array-elements.ts';

const dir = mkdtempSync(join(tmpdir(), 'driftwatch-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function values(name: string, content: string, maxRecordBytes?: number): Promise<string[]> {
  const file = join(dir, name);
  writeFileSync(file, content);
  const out: string[] = [];
  for await (const r of readRecords(file, maxRecordBytes === undefined ? {} : { maxRecordBytes })) out.push(r.value.toString('utf8'));
  return out;
}

describe('readRecords', () => {
  it('judges each NDJSON line on its own, even when the first line is broken', async () => {
    expect(await values('broken-first.ndjson', '{broken\n{"a":1}\n{"b":2}\n\n{"c":3}\n')).toEqual(['{broken', '{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('reads a pretty-printed object as one document', async () => {
    const doc = '{\n  "a": 1,\n  "b": [1, 2]\n}\n';
    expect(await values('pretty.json', doc)).toEqual([doc]);
  });

  it('splits a top-level array into its elements, bytes as written', async () => {
    expect(await values('array.json', '[\n {"a": "x,]}"},\n {"b": [1, {"c": "\\"]"}]} ,7\n]\n')).toEqual(['{"a": "x,]}"}', '{"b": [1, {"c": "\\"]"}]}', '7']);
  });

  it('reads one array per line as NDJSON', async () => {
    expect(await values('arrays.ndjson', '[1]\n[2]\n')).toEqual(['[1]', '[2]']);
  });

  it('splits a page larger than the record limit into one envelope per record', async () => {
    const page = { object: 'page', has_more: false, data: [{ n: 1 }, { n: 2 }] };
    expect((await values('page.json', JSON.stringify(page), 10)).map((v) => JSON.parse(v) as unknown)).toEqual([
      { object: 'page', has_more: false, data: [{ n: 1 }] },
      { object: 'page', has_more: false, data: [{ n: 2 }] },
    ]);
    expect(await values('page-small.json', JSON.stringify(page), 1 << 20)).toEqual([JSON.stringify(page)]);
  });
});

describe('jsonArrayElements', () => {
  it('refuses what is not one well-formed array', () => {
    for (const bad of ['{"a":1}', '[1,]', '[1,,2]', '[1] [2]', '[1', '']) expect(jsonArrayElements(Buffer.from(bad)), bad).toBeUndefined();
    expect(jsonArrayElements(Buffer.from(' [ ] '))).toEqual([]);
  });
});
