/**
 * Cuts a fetched run of messages into decode segments: at most `maxMessages` each, and never
 * across a break offset (the edges of ledger ranges that must be re-formed exactly).
 */
export function splitIntoSegments<M extends { offset: string }>(messages: readonly M[], breaks: readonly bigint[], maxMessages: number): M[][] {
  const segments: M[][] = [];
  let current: M[] = [];
  for (const message of messages) {
    const offset = BigInt(message.offset);
    const head = current[0];
    const crossesBreak = head !== undefined && breaks.some((b) => BigInt(head.offset) < b && b <= offset);
    if (current.length >= maxMessages || crossesBreak) {
      segments.push(current);
      current = [];
    }
    current.push(message);
  }
  if (current.length > 0) segments.push(current);
  return segments;
}
