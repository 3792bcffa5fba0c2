import { CompressionTypes } from 'kafkajs';
import type { SourceKind } from '../src/decode/types.ts';
import { withProducer } from '../src/ingest/produce.ts';
import { pushTo } from '../src/simulate/multimap.ts';
import { trafficPlanner, type PlannedRecord } from '../src/simulate/planner.ts';
import type { Logger } from '../src/telemetry/logger.ts';

/**
 * The benches' traffic: the simulator's (src/simulate/planner.ts, the one traffic generator the
 * e2e tests, `driftwatch simulate` and `npm start` use), drained hour by hour as fast as the
 * consumer of the messages takes them instead of against the clock.
 */

const HOUR = 3_600_000;

export interface SimulatedTrafficOptions {
  /** Messages to hand out (the last hour is cut short). */
  messages: number;
  /** Simulated messages per hour over the four topics: how many hours the messages span. */
  messagesPerHour: number;
  /** Simulated time of the first hour (epoch ms); the span must end before now, or ingest rejects it. */
  start: number;
  seed?: number;
  /** Only these topics (default: all four). */
  sources?: readonly SourceKind[];
  /** Which of those records to hand out (default: all). */
  keep?: (rec: PlannedRecord) => boolean;
  say?: (msg: string) => void;
}

export interface SimulatedMessage {
  source: SourceKind;
  value: string;
}

/** The simulated messages, serialized as the live simulator produces them, hour by hour. */
export function* simulatedMessages(opts: SimulatedTrafficOptions): Generator<SimulatedMessage> {
  const planner = trafficPlanner({ start: opts.start, messagesPerHour: opts.messagesPerHour, seed: opts.seed ?? 1, ...(opts.sources ? { sources: opts.sources } : {}) });
  let handed = 0;
  for (let t = opts.start + HOUR; handed < opts.messages; t += HOUR) {
    if (t > Date.now()) throw new Error(`simulated traffic would pass the present: start earlier or raise messagesPerHour (${handed} of ${opts.messages} handed out)`);
    for (const rec of planner.due(t - 1)) {
      if (handed >= opts.messages) break;
      if (opts.keep && !opts.keep(rec)) continue;
      handed += 1;
      yield { source: rec.source, value: JSON.stringify(rec.doc) };
    }
    opts.say?.(`  ${handed} messages (simulated ${new Date(t).toISOString().slice(0, 13)}h)`);
  }
}

export interface ProducedTraffic {
  messages: number;
  bytes: number;
}

/** The simulated messages produced to the topics, 5,000 per request. */
export async function produceSimulated(brokers: string[], topics: Record<SourceKind, string>, opts: SimulatedTrafficOptions, log?: Logger): Promise<ProducedTraffic> {
  let messages = 0;
  let bytes = 0;
  await withProducer(brokers, async (producer) => {
    let pending = new Map<string, { value: string }[]>();
    const flush = async () => {
      await producer.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages: [...pending].map(([topic, msgs]) => ({ topic, messages: msgs })) });
      pending = new Map();
    };
    for (const m of simulatedMessages(opts)) {
      pushTo(pending, topics[m.source], { value: m.value });
      bytes += Buffer.byteLength(m.value);
      if (++messages % 5000 === 0) await flush();
    }
    await flush();
  }, log);
  return { messages, bytes };
}
