/**
 * A bounded cache of reads keyed by policy version (and whatever else fixes the answer): a version
 * is a content hash of the policy's rows (src/policy/sync.ts), so what was read at one never
 * changes and an entry cannot be stale. The promise is cached, so concurrent requests share one
 * read; a failed read is dropped so the next request tries again. The oldest entry goes first.
 */
export class VersionCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(private readonly capacity: number) {}

  get(key: string, read: () => Promise<T>): Promise<T> {
    let hit = this.entries.get(key);
    if (!hit) {
      hit = read();
      hit.catch(() => this.entries.delete(key));
      this.entries.set(key, hit);
      if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    }
    return hit;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
