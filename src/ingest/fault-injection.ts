/**
 * Test-only fault injection for the crash test: DRIFTWATCH_FAULT_KILL_AFTER_INSERTS=n makes the
 * process SIGKILL itself after the n-th batch's rows are in ClickHouse and before its offsets are
 * committed — the window in which a naive consumer duplicates rows. Unset in production: a no-op.
 */
const killAfter = Number(process.env['DRIFTWATCH_FAULT_KILL_AFTER_INSERTS'] ?? 0);
let inserted = 0;

export function afterBatchInserted(): void {
  if (killAfter <= 0) return;
  inserted += 1;
  if (inserted >= killAfter) process.kill(process.pid, 'SIGKILL');
}

/**
 * Test-only: DRIFTWATCH_FAULT_DECODER_THROWS=<key> makes decoding throw for a record that has that
 * top-level key, standing in for a decoder bug (fuzzing the samples found no real one) so the
 * integration test can prove a throwing decoder costs one record through the real pipeline,
 * decode workers included. Unset in production: a no-op.
 */
const throwOnKey = process.env['DRIFTWATCH_FAULT_DECODER_THROWS'] ?? '';

export function decoderFault(doc: unknown): void {
  if (throwOnKey !== '' && doc !== null && typeof doc === 'object' && Object.hasOwn(doc, throwOnKey)) {
    throw new Error(`injected decoder fault (${throwOnKey})`);
  }
}
