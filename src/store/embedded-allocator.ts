/**
 * The embedded ClickHouse engine (chdb) allocates with its own jemalloc, which keeps freed pages
 * for dirty_decay_ms (ClickHouse builds it with 5 s) before returning them to the system. Ingest
 * frees a batch's columns every second, so those pages are most of the gap between the engine's
 * tracked memory (50-250 MiB) and the process's RSS. 1 s brought ingest's peak RSS from
 * 1,450-1,655 MiB (six runs) to 1,361-1,505 MiB (nine runs), under the 1.5 GiB limit, for ~5 % more
 * CPU per event (npm run bench:ingest); 0 s purges on every free and costs ~40 % more CPU.
 */
export const EMBEDDED_JE_MALLOC_CONF = 'dirty_decay_ms:1000,muzzy_decay_ms:0';

/**
 * Sets JE_MALLOC_CONF unless the operator already did (theirs wins). Must run before the engine's
 * library loads: jemalloc reads the variable once.
 */
export function tuneEmbeddedAllocator(env: NodeJS.ProcessEnv = process.env): void {
  env['JE_MALLOC_CONF'] ??= EMBEDDED_JE_MALLOC_CONF;
}
