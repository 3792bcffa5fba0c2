/**
 * bench:store — what ClickHouse alone spends to store driftwatch's rows, by batch size, against
 * storing the same messages as one raw string (the shape bench:ingest's native reference keeps).
 *
 * Why: bench:ingest measures the whole path on a machine shared with the broker. This bench takes
 * Kafka and the decoders out (batches are decoded once, up front, into the TSV files the sink would
 * send) and measures each store in its own process, background merges included. It answers "how
 * much of an event's CPU is the store's, and how does it fall with bigger inserts".
 *
 * Usage: npm run bench:store [-- --n 200000 --batches 5000,20000 --repeat 3 --keep]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SourceKind } from '../src/decode/types.ts';
import { tuneEmbeddedAllocator } from '../src/store/embedded-allocator.ts';
import { pushTo } from '../src/simulate/multimap.ts';
import { simulatedMessages } from './simulated-topics.ts';
import { writeDriftwatchBatches, writeRawOnlyBatches, type EncodedBatches } from './store-files.ts';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '200000' }, batches: { type: 'string', default: '5000,20000' }, repeat: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false } } });
const N = Number(args.n);
const BATCHES = (args.batches as string).split(',').map(Number);
const REPEAT = Number(args.repeat);
if (!Number.isInteger(N) || N <= 0 || !Number.isInteger(REPEAT) || REPEAT <= 0 || BATCHES.some((b) => !Number.isInteger(b) || b <= 0)) throw new Error('--n, --batches and --repeat take positive integers');
if (process.env['CLICKHOUSE_URL']) throw new Error('bench:store measures the embedded engine in-process; unset CLICKHOUSE_URL');
const root = fileURLToPath(new URL('..', import.meta.url));
const say = (msg: string) => process.stderr.write(`${msg}\n`);

// The children hold the engine, so they get the allocator setting `driftwatch ingest` runs with.
const childEnv = { ...process.env };
tuneEmbeddedAllocator(childEnv);

interface InsertResult { cpuSeconds: number; seconds: number; inserts: number; bytes: number; peakRssBytes: number; parts: number }

function runInserts(files: EncodedBatches, mode: 'driftwatch' | 'no-rollups' | 'raw-only', dataDir: string): InsertResult {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/store-insert.ts'), files.dir, mode, dataDir],
    { encoding: 'utf8', cwd: root, maxBuffer: 1 << 20, env: childEnv });
  if (res.status !== 0) throw new Error(`store-insert ${mode} failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop() as string) as InsertResult;
}

const work = mkdtempSync(join(tmpdir(), 'driftwatch-bench-store-'));
try {
  const bySource = new Map<SourceKind, Buffer[]>();
  // The simulator's traffic over the day before yesterday's last hours and yesterday, every topic.
  const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 36 * 3_600_000;
  let bytes = 0;
  for (const rec of simulatedMessages({ messages: N, messagesPerHour: Math.max(1000, Math.ceil(N / 24)), start })) {
    const value = Buffer.from(rec.value);
    pushTo(bySource, rec.source, value);
    bytes += value.byteLength;
  }
  say(`bench:store — ${N} messages (${(bytes / 1e6).toFixed(0)} MB), batches of ${BATCHES.join(', ')} messages per source`);
  const us = (seconds: number) => (seconds / N) * 1e6;
  const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2; };
  // "median (min-max)" in µs per message: merges land in a run or not, so one run can be 50 % off.
  const cell = (runs: InsertResult[]) => {
    const v = runs.map((r) => us(r.cpuSeconds));
    return `${median(v).toFixed(1)} (${Math.min(...v).toFixed(0)}-${Math.max(...v).toFixed(0)})`;
  };
  const lines: string[] = [];
  const results: unknown[] = [];
  for (const batch of BATCHES) {
    const dw = writeDriftwatchBatches(bySource, batch, join(work, `dw-${batch}`));
    const raw = writeRawOnlyBatches(bySource, batch, join(work, `raw-${batch}`));
    const runs: Record<'rawOnly' | 'driftwatch' | 'withoutRollups', InsertResult[]> = { rawOnly: [], driftwatch: [], withoutRollups: [] };
    // Variants interleaved, each in a fresh engine, so drift in the machine's state hits all alike.
    for (let r = 0; r < REPEAT; r++) {
      runs.rawOnly.push(runInserts(raw, 'raw-only', join(work, `raw-${batch}-${r}-data`)));
      runs.driftwatch.push(runInserts(dw, 'driftwatch', join(work, `dw-${batch}-${r}-data`)));
      runs.withoutRollups.push(runInserts(dw, 'no-rollups', join(work, `bare-${batch}-${r}-data`)));
      say(`  batch ${batch}, run ${r + 1}/${REPEAT}: driftwatch ${us((runs.driftwatch.at(-1) as InsertResult).cpuSeconds).toFixed(1)} µs/event, raw-only ${us((runs.rawOnly.at(-1) as InsertResult).cpuSeconds).toFixed(1)}`);
    }
    const med = (k: keyof typeof runs) => median(runs[k].map((x) => x.cpuSeconds));
    const peak = (k: keyof typeof runs) => Math.max(...runs[k].map((x) => x.peakRssBytes)) / 2 ** 20;
    const ratio = med('driftwatch') / med('rawOnly');
    lines.push(`${String(batch).padStart(7)} ${String(runs.driftwatch[0]?.inserts).padStart(7)} ${cell(runs.driftwatch).padStart(16)} ${cell(runs.withoutRollups).padStart(16)} ${cell(runs.rawOnly).padStart(16)} ${ratio.toFixed(2).padStart(6)}x ${us(dw.decodeCpuSeconds).toFixed(1).padStart(10)} ${peak('driftwatch').toFixed(0).padStart(7)} ${peak('rawOnly').toFixed(0).padStart(7)}`);
    const summary = (k: keyof typeof runs) => ({ medianCpuMicrosPerEvent: +us(med(k)).toFixed(1), cpuMicrosPerEvent: runs[k].map((x) => +us(x.cpuSeconds).toFixed(1)), peakRssMiB: Math.round(peak(k)), inserts: runs[k][0]?.inserts });
    results.push({ batch, rows: dw.rows, driftwatch: summary('driftwatch'), withoutRollups: summary('withoutRollups'), rawOnly: summary('rawOnly'), ratio: +ratio.toFixed(2), decodeMicrosPerEvent: +us(dw.decodeCpuSeconds).toFixed(1) });
  }
  process.stdout.write([
    '',
    `bench:store — ${N} messages, ${(bytes / 1e6).toFixed(0)} MB, ${REPEAT} runs per cell; engine CPU per message (all threads, merges included), no Kafka`,
    `${'batch'.padStart(7)} ${'inserts'.padStart(7)} ${'driftwatch'.padStart(16)} ${'no roll-ups'.padStart(16)} ${'raw-only'.padStart(16)} ${'ratio'.padStart(7)} ${'decode(1t)'.padStart(10)} ${'dw MiB'.padStart(7)} ${'raw MiB'.padStart(7)}`,
    ...lines,
    '(µs per message, median (min-max); ratio = driftwatch / raw-only medians; decode(1t) = the decoders on one thread for the same batches, for scale; MiB = peak RSS)',
    JSON.stringify({ messages: N, megabytes: Math.round(bytes / 1e6), repeat: REPEAT, results }),
    '',
  ].join('\n'));
} finally {
  if (args.keep) say(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
