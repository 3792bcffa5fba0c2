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
