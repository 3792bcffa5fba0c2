/**
 * Detector work side by side: `size` lanes, each with a resource of its own (a store session, so
 * the embedded engine runs one detector's statements beside another's instead of one after the
 * other), opened when first needed. Work is started in the order it was asked for, except `urgent`
 * work, which starts before the ordinary work waiting (not before exclusive or other urgent work asked
 * for earlier): an early detector's look at its open windows, which should not queue behind a catch-up.
 *
 * `exclusive` work waits for every running task to finish and holds later tasks back until it is
 * done: the outbox recovery sweep must not see an alert a running cycle stored a moment ago and has
 * not queued yet (src/alerts/outbox-recovery.ts).
 */

interface Waiting<R> {
  exclusive: boolean;
  urgent: boolean;
  start: (resource: R) => void;
  fail: (err: unknown) => void;
}

export class Lanes<R> {
  private readonly free: R[] = [];
  private readonly all: R[] = [];
  private readonly queue: Waiting<R>[] = [];
  private opening = 0;
  private running = 0;
  private exclusiveRunning = false;

  constructor(private readonly size: number, private readonly open: () => Promise<R>) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`lanes: size must be a positive integer, got ${size}`);
  }

  /** Runs `task` on a free lane, after the tasks asked for before it have started (`urgent`: see above). */
  run<T>(task: (resource: R) => Promise<T>, options: { urgent?: boolean } = {}): Promise<T> {
    return this.enqueue(false, options.urgent ?? false, task);
  }

  /** Runs `task` alone: after every running task, before any task asked for after it. */
  exclusive<T>(task: (resource: R) => Promise<T>): Promise<T> {
    return this.enqueue(true, false, task);
  }

  /** Tasks running now. */
  get busy(): number {
    return this.running;
  }

  /** The resources opened so far, for closing them when the work is over. */
  opened(): readonly R[] {
    return this.all;
  }

  private enqueue<T>(exclusive: boolean, urgent: boolean, task: (resource: R) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Urgent work goes ahead of the ordinary work at the queue's end, behind any exclusive or urgent work.
      const ordinary = (w: Waiting<R>) => !w.exclusive && !w.urgent;
      let at = this.queue.length;
      while (urgent && at > 0 && ordinary(this.queue[at - 1] as Waiting<R>)) at -= 1;
      this.queue.splice(at, 0, {
        exclusive,
        urgent,
        start: (resource) => {
          // The lane is free again before the caller continues; a task that throws at once frees it too.
          Promise.resolve().then(() => task(resource)).then(
            (value) => { this.release(resource, exclusive); resolve(value); },
            (err: unknown) => { this.release(resource, exclusive); reject(err); },
          );
        },
        fail: reject,
      });
      this.pump();
    });
  }

  private release(resource: R, exclusive: boolean): void {
    this.running -= 1;
    if (exclusive) this.exclusiveRunning = false;
    this.free.push(resource);
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.exclusiveRunning) {
      const head = this.queue[0] as Waiting<R>;
      if (head.exclusive && this.running > 0) return;
      const resource = this.free.pop();
      if (resource === undefined) {
        // Another lane when the size allows (an exclusive task needs just one); the queue moves on once it is open.
        const lanes = this.all.length + this.opening;
        if (lanes < (head.exclusive ? 1 : this.size)) this.openLane();
        return;
      }
      this.queue.shift();
      this.running += 1;
      if (head.exclusive) this.exclusiveRunning = true;
      head.start(resource);
    }
  }

  private openLane(): void {
    this.opening += 1;
    this.open().then(
      (resource) => {
        this.opening -= 1;
        this.all.push(resource);
        this.free.push(resource);
        this.pump();
      },
      (err: unknown) => {
        this.opening -= 1;
        // With no lane at all nothing waiting can start: it fails with the reason, and the next ask tries again.
        if (this.all.length + this.opening === 0) for (const w of this.queue.splice(0)) w.fail(err);
      },
    );
  }
}
