/**
 * CPU per message of the decoders alone (src/ingest/segment.ts: parse, validate, normalise, redact,
 * scan for secrets, encode TSV) on `npm run bench`'s ingest topic — the simulator's LiteLLM
 * messages — in this process, without Kafka or ClickHouse: the loop to profile when the ingest
 * bench's decode-worker share grows.
 *   node --import tsx bench/decode-cpu.ts [N]                       figures
 *   node --cpu-prof --import tsx bench/decode-cpu.ts [N]            profile (open the .cpuprofile in Chrome DevTools)
 */
import { decodeSegment } from '../src/ingest/segment.ts';
import { simulatedMessages } from './simulated-topics.ts';

const HOUR = 3_600_000;
const n = Number(process.argv[2] ?? 20_000);
const start = Math.floor(Date.now() / HOUR) * HOUR - (Math.ceil(n / 35_000) + 2) * HOUR;
const values = [...simulatedMessages({ messages: n, messagesPerHour: 100_000, start, sources: ['gateway'], keep: (r) => !('ai' in r.doc) })].map((m) => Buffer.from(m.value));
const SEGMENT = 1000;
const decode = (from: number) => {
  const v = values.slice(from, from + SEGMENT);
  return decodeSegment({ source: 'gateway', topic: 'bench', partition: 0, offsets: v.map((_, j) => String(from + j)), values: v, storePromptText: false, maxFutureSkewMs: 300_000, maxMessageBytes: 1 << 20 });
};
decode(0); // JIT warm-up, not counted
const c0 = process.cpuUsage();
let accepted = 0;
for (let i = 0; i < values.length; i += SEGMENT) accepted += decode(i).counts.accepted;
const c = process.cpuUsage(c0);
process.stdout.write(`${values.length} messages, ${accepted} accepted, ${((c.user + c.system) / values.length).toFixed(1)} µs CPU per message\n`);
