/**
 * Per-thread CPU of a process, grouped by what the thread does, for bench:ingest: where the CPU
 * per event goes (main thread, decode workers, V8 helpers, libuv, ClickHouse) and so where wall
 * time can be won on a 2-core machine.
 *
 * Node 20 names no thread ("node" everywhere), so the groups come from:
 *  - the main thread: tid = pid;
 *  - decode workers: they name themselves `dw-decode-N` (src/ingest/thread-name.ts);
 *  - ClickHouse (chdb): its threads carry ClickHouse's own names (QueryPipelineEx, BgSchPool, …);
 *  - the rest of the "node" threads by their place in Node 20's start-up order (tids ascending):
 *    [0] the inspector's signal thread, [1..4] the V8 platform workers (concurrent/parallel GC
 *    and compiler jobs), [5] V8's delayed-task scheduler, [6..9] the libuv thread pool
 *    (UV_THREADPOOL_SIZE 4). Unnamed threads started later (e.g. by chdb) are "other".
 */
import { readdirSync, readFileSync } from 'node:fs';

/** User + system CPU of this process, all its threads included, in seconds. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export interface ThreadSample {
  tid: number;
  comm: string;
  /** utime + stime in clock ticks (1/100 s). */
  ticks: number;
}

export function sampleThreads(pid: number): ThreadSample[] {
  const out: ThreadSample[] = [];
  for (const entry of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      const comm = readFileSync(`/proc/${pid}/task/${entry}/comm`, 'utf8').trim();
      out.push({ tid: Number(entry), comm, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return out.sort((a, b) => a.tid - b.tid);
}

const NODE_STARTUP_ROLES = ['node: inspector signal', 'V8 platform (GC, compile)', 'V8 platform (GC, compile)', 'V8 platform (GC, compile)', 'V8 platform (GC, compile)', 'V8 delayed-task scheduler', 'libuv thread pool', 'libuv thread pool', 'libuv thread pool', 'libuv thread pool'];

function groupOf(pid: number, t: ThreadSample, startupNodeThreads: number[]): string {
  if (t.tid === pid) return 'main thread (kafkajs, inserts, packing)';
  if (t.comm.startsWith('dw-decode')) return 'decode workers';
  if (t.comm === 'node') {
    const i = startupNodeThreads.indexOf(t.tid);
    return NODE_STARTUP_ROLES[i] ?? 'other unnamed threads';
  }
  return `ClickHouse: ${t.comm}`;
}

export interface ThreadGroupCpu {
  group: string;
  threads: number;
  seconds: number;
}

/**
 * CPU seconds per group between two samples. A thread absent from `before` counts from zero; one
 * that ended before `after` is lost (the ingest process keeps its threads, so this is rare).
 * ClickHouse names beyond the `topClickHouse` busiest are folded into one line.
 */
export function groupThreadCpu(pid: number, before: ThreadSample[], after: ThreadSample[], topClickHouse = 6): ThreadGroupCpu[] {
  const startTicks = new Map(before.map((t) => [t.tid, t.ticks]));
  const startupNodeThreads = after.filter((t) => t.comm === 'node' && t.tid !== pid).map((t) => t.tid).slice(0, NODE_STARTUP_ROLES.length);
  const groups = new Map<string, ThreadGroupCpu>();
  for (const t of after) {
    const name = groupOf(pid, t, startupNodeThreads);
    const g = groups.get(name) ?? { group: name, threads: 0, seconds: 0 };
    g.threads += 1;
    g.seconds += (t.ticks - (startTicks.get(t.tid) ?? 0)) / 100;
    groups.set(name, g);
  }
  const all = [...groups.values()].sort((a, b) => b.seconds - a.seconds);
  const clickhouse = all.filter((g) => g.group.startsWith('ClickHouse: '));
  const rest = clickhouse.slice(topClickHouse);
  const kept = all.filter((g) => !rest.includes(g));
  if (rest.length > 0) {
    kept.push({ group: 'ClickHouse: (other names)', threads: rest.reduce((n, g) => n + g.threads, 0), seconds: rest.reduce((s, g) => s + g.seconds, 0) });
  }
  return kept.filter((g) => g.seconds > 0 || !g.group.startsWith('ClickHouse'));
}

/** Lines `group  threads  µs/event  share`, plus ClickHouse total, for `events` events. */
export function formatThreadCpu(groups: ThreadGroupCpu[], events: number): string[] {
  const total = groups.reduce((s, g) => s + g.seconds, 0);
  const ch = groups.filter((g) => g.group.startsWith('ClickHouse')).reduce((s, g) => s + g.seconds, 0);
  const line = (name: string, threads: number | string, seconds: number) =>
    `  ${name.padEnd(44)} ${String(threads).padStart(7)} ${((seconds / events) * 1e6).toFixed(1).padStart(9)} ${((seconds / Math.max(total, 1e-9)) * 100).toFixed(1).padStart(6)}%`;
  return [
    `  ${'thread group'.padEnd(44)} ${'threads'.padStart(7)} ${'µs/event'.padStart(9)} ${'share'.padStart(7)}`,
    ...groups.map((g) => line(g.group, g.threads, g.seconds)),
    line('= ClickHouse total', '', ch),
    line('= all threads', '', total),
  ];
}
