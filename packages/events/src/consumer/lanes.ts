/**
 * Spreads items (messages) over `count` lanes by key (by default the aggregate id): each lane
 * applies its items in arrival order, in batches of whatever has queued up meanwhile (at most
 * `maxBatch`, counted in `weigh` units: one per item unless the item carries many, as a
 * batch event does), so items of one key stay in order while different keys proceed in
 * parallel, and a busy lane commits many events per transaction.
 */
export class Lanes<T> {
  private readonly buffers: T[][];
  private readonly running: boolean[];
  private queued = 0;
  private inFlight = 0;
  private closed = false;
  private waiters: (() => void)[] = [];

  constructor(
    count: number,
    private readonly maxBatch: number,
    private readonly process: (batch: T[]) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly weigh: (item: T) => number = () => 1,
  ) {
    this.buffers = Array.from({ length: count }, () => []);
    this.running = Array.from({ length: count }, () => false);
  }

  /** Messages queued or being applied. */
  get size(): number {
    return this.queued + this.inFlight;
  }

  push(key: string, item: T): void {
    const lane = hash(key) % this.buffers.length;
    this.buffers[lane]?.push(item);
    this.queued += 1;
    if (this.running[lane]) return;
    // An idle lane starts on the next turn of the event loop, not at its first item: the
    // messages of one socket read (a relay step's burst) then go in one batch, where starting
    // at once applied the first alone and made the others wait out its whole transaction.
    this.running[lane] = true;
    setImmediate(() => void this.work(lane));
  }

  /** Resolves when fewer than `limit` messages are queued or in flight. */
  async room(limit: number): Promise<void> {
    while (this.size >= limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Stops starting batches; hands back what was queued (to nak) once the batches in flight end. */
  async close(): Promise<T[]> {
    this.closed = true;
    const left = this.buffers.flatMap((b) => b.splice(0));
    this.queued = 0;
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return left;
  }

  private async work(lane: number): Promise<void> {
    const buffer = this.buffers[lane] ?? [];
    while (!this.closed && buffer.length > 0) {
      const batch = buffer.splice(0, this.batchLength(buffer));
      this.queued -= batch.length;
      this.inFlight += batch.length;
      try {
        await this.process(batch);
      } catch (error) {
        this.onError(error);
      } finally {
        this.inFlight -= batch.length;
        for (const wake of this.waiters.splice(0)) wake();
      }
    }
    this.running[lane] = false;
  }

  /** How many of the buffer's first items fit `maxBatch` (always at least one). */
  private batchLength(buffer: readonly T[]): number {
    let weight = 0;
    let n = 0;
    while (n < buffer.length && n < this.maxBatch) {
      weight += this.weigh(buffer[n]!);
      if (n > 0 && weight > this.maxBatch) break;
      n += 1;
    }
    return n;
  }
}

/** FNV-1a: a stable, cheap spread of keys over lanes. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
