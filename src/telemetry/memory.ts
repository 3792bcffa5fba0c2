/**
 * The process's memory in MiB, for progress logs: rss is everything (the embedded ClickHouse
 * engine and the decode workers included), heap and arrayBuffers are the main thread's own share —
 * the difference is what to look at when the RSS limit is near.
 */
export function memoryFigures(): { rssMiB: number; heapUsedMiB: number; arrayBuffersMiB: number } {
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round(n / 1048576);
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), arrayBuffersMiB: mib(m.arrayBuffers) };
}
