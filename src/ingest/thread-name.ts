import { writeFileSync } from 'node:fs';

/**
 * Names the calling OS thread (Linux: /proc/thread-self/comm, at most 15 bytes). Node 20 leaves
 * every thread named "node"; a named decode worker shows up as itself in `top -H` and in
 * bench:ingest's per-thread CPU breakdown. Best effort: elsewhere it does nothing.
 */
export function nameThisThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // Not Linux, or /proc not mounted: the name is only a diagnostic aid.
  }
}
