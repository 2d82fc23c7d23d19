/**
 * Runs tasks with at most `limit` in flight, one at a time per key: events of one aggregate are
 * applied in delivery order while different aggregates proceed in parallel.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private active = 0;
  private capacityWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  get size(): number {
    return this.active;
  }

  /** Resolves once the task is queued (waits while the queue is full). */
  async push(key: string, task: () => Promise<void>): Promise<void> {
    while (this.active >= this.limit)
      await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
    this.active += 1;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run: Promise<void> = previous
      .then(task)
      .catch(this.onError)
      .finally(() => {
        this.active -= 1;
        if (this.tails.get(key) === run) this.tails.delete(key);
        this.capacityWaiters.shift()?.();
        if (this.active === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    this.tails.set(key, run);
  }

  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
