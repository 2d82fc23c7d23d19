/**
 * A wake-up signal: `wait` resolves at the next `fire` or after a timeout. A fire with nobody
 * waiting is remembered once, so a wake-up that arrives while the waiter is busy is not lost.
 */
export class Pulse {
  private waiters: (() => void)[] = [];
  private pending = false;

  fire(): void {
    const waiters = this.waiters;
    this.waiters = [];
    if (waiters.length === 0) this.pending = true;
    for (const wake of waiters) wake();
  }

  /** Forgets a remembered fire (call before doing the work a fire asks for). */
  clear(): void {
    this.pending = false;
  }

  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.push(done);
    });
  }
}
