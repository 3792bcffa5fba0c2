import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import type { Store } from '../../src/store/store.ts';
import { startChdbHttpServer, type ChdbHttpServer } from '../helpers/chdb-http-server.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';
import { createTopics } from '../helpers/kafka.ts';
import { exactlyOnce, exitOf, produceTraffic, progress, reportCase, rollupMismatches, startDriftwatch, tableCounts, waitForProgress, type Child } from './harness.ts';
import { faultTraffic, type FaultTraffic } from './traffic.ts';
import { SOURCE_KINDS } from '../../src/decode/types.ts';
import { DATA_TABLES } from '../../src/normalize/rows.ts';

/**
 * Fault: one member of a two-member consumer group SIGKILLed mid-batch while its partner keeps
 * running, again and again, with the simulator's traffic still arriving. Both are real
 * `driftwatch ingest` processes on ONE store, reached through CLICKHOUSE_URL: the embedded engine
 * opens a data directory in one process only, so the store is the test endpoint over the real
 * engine in this process (test/helpers/chdb-http-server.ts, a harness, not a ClickHouse server).
 * The first victim kills itself between a batch's inserts and its offset commit; the next are
 * killed from outside wherever they are. The partner takes their partitions each time (it ends
 * holding every partition) and every table and roll-up holds exactly the rows the messages make.
 */
const traffic = faultTraffic({ hours: 6, messagesPerHour: 1500, seed: 33 });
const PARTITIONS = 4;
const KILLS_FROM_OUTSIDE = 2;
let config: Config = testConfig('fault-member');
let server: ChdbHttpServer | undefined;
let store: Store | undefined;

beforeAll(async () => {
  server = await startChdbHttpServer({ dataDir: config.clickhouse.dataDir });
  config = { ...config, clickhouse: { ...config.clickhouse, url: server.url } };
  // Schema first, so the two members do not race to migrate (not what this case is about).
  store = await testStore(config);
  await createTopics(config, PARTITIONS);
});
afterAll(async () => {
  await store?.close();
  await server?.close();
});

/** Partitions (over all topics) in the member's latest assignment. */
function latestAssignment(member: Child): number {
  const joins = member.logs().filter((l) => String(l['msg']).startsWith('Joined consumer group'));
  const assignment = (joins.at(-1)?.['assignment'] ?? {}) as Record<string, number[]>;
  return Object.values(config.kafka.topics).reduce((n, t) => n + (assignment[t]?.length ?? 0), 0);
}

/**
 * Where a table holds a Kafka record more than once: per partition, the doubled offsets and the
 * ledger ranges (ingest_batches) that cover them, so a failure says which ranges two members formed.
 */
async function doubled(s: Store): Promise<unknown[]> {
  const res = await s.client.query({
    query: `SELECT d.table, d.topic, d.partition, d.offsets, d.copies,
                   (SELECT groupArray(concat(toString(first_offset), '-', toString(last_offset))) FROM ingest_batches
                    WHERE topic = d.topic AND partition = d.partition AND last_offset >= d.lo AND first_offset <= d.hi) AS ledger
            FROM (SELECT table, topic, partition, min(o) lo, max(o) hi, count() offsets, sum(n) copies FROM (
              ${DATA_TABLES.map((t) => `SELECT '${t}' AS table, source_topic AS topic, source_partition AS partition, source_offset AS o, count() AS n
                FROM ${t} GROUP BY source_topic, source_partition, source_offset, record_index HAVING n > 1`).join(' UNION ALL ')})
              GROUP BY table, topic, partition) AS d`,
    format: 'JSONEachRow',
  });
  return res.json();
}

/** The traffic cut into `n` consecutive parts per source, produced one at a time. */
function parts(n: number): FaultTraffic['messages'][] {
  return Array.from({ length: n }, (_, i) => Object.fromEntries(SOURCE_KINDS.map((src) => {
    const all = traffic.messages[src];
    return [src, all.slice(Math.floor((all.length * i) / n), Math.floor((all.length * (i + 1)) / n))];
  })) as FaultTraffic['messages']);
}

describe('fault: a group member SIGKILLed mid-batch while its partner runs, repeated', () => {
  it(`stores ${traffic.total} simulated messages exactly once across ${KILLS_FROM_OUTSIDE + 1} member kills`, async () => {
    const [firstPart, ...rest] = parts(KILLS_FROM_OUTSIDE + 2);
    const produce = (part: FaultTraffic['messages'] | undefined) => produceTraffic(config, part ?? traffic.messages, { partitions: PARTITIONS, chunk: 250 });
    const partner = startDriftwatch(config, ['ingest']);
    const all = PARTITIONS * Object.keys(config.kafka.topics).length;

    await waitFor(async () => latestAssignment(partner) === all, 120_000, () => `the partner holding every partition; ${partner.status()}`);

    // The first victim must hold partitions before its part arrives: produced earlier, the
    // partner could consume all of it while the victim is still joining, and the victim would
    // wait for a third insert that never comes.
    const first = startDriftwatch(config, ['ingest'], { env: { DRIFTWATCH_FAULT_KILL_AFTER_INSERTS: '3' } });
    await waitFor(async () => latestAssignment(first) > 0, 120_000, () => `member 1 joined the group; ${first.status()}`);
    await produce(firstPart);
    expect((await exitOf(first, 120_000, 'member 1 killing itself after its third insert')).signal).toBe('SIGKILL');

    // Each victim joins, gets its share, and is killed while consuming a freshly produced part.
    let killedWhileBehind = 0;
    for (let k = 0; k < KILLS_FROM_OUTSIDE; k++) {
      const victim = startDriftwatch(config, ['ingest']);
      await waitFor(async () => latestAssignment(victim) > 0, 120_000, () => `member ${k + 2} joined the group; ${victim.status()}`);
      expect(latestAssignment(victim)).toBeLessThan(all);
      const before = (await progress(config)).committed;
      await produce(rest[k]);
      await waitForProgress(config, (p) => p.committed > before + 100, 120_000, `the group consuming part ${k + 2}`, victim);
      const at = await progress(config);
      victim.process.kill('SIGKILL');
      if (at.committed < at.end) killedWhileBehind++;
      expect((await exitOf(victim, 30_000, `member ${k + 2} SIGKILLed`)).signal).toBe('SIGKILL');
    }

    await produce(rest.at(-1));
    await waitForProgress(config, (p) => p.committed === traffic.total, 240_000, 'every offset committed by the partner', partner);
    // The partner took over what the killed members held: it ends with every partition.
    expect(latestAssignment(partner)).toBe(all);
    partner.process.kill('SIGTERM');
    expect((await exitOf(partner, 60_000, 'the partner stopping on SIGTERM')).code).toBe(0);

    const s = store as Store;
    const stored = await tableCounts(s);
    const twice = await doubled(s);
    reportCase('group member SIGKILL mid-batch while its partner runs', {
      produced: traffic.total, kills: KILLS_FROM_OUTSIDE + 1, killedWhileBehind, statements: server?.statements, expected: traffic.expectedRows, stored, doubled: twice,
    });
    expect(twice).toEqual([]);
    expect(stored).toEqual(exactlyOnce(traffic.expectedRows));
    expect(await rollupMismatches(s)).toEqual([]);
    expect(await count(s, 'SELECT count() c FROM ingest_rejects')).toBe(0);
  }, 1_200_000); // above the sum of its own waits, so a stuck step fails with its own message
});
