/**
 * An async iterator fed by pushes, for subscription sources. Unlike an `async function*`, its
 * `return()` takes effect at once: the consumer leaving releases the source immediately,
 * instead of after the next event (a generator's return waits behind its pending await).
 */
export interface PushIterator<T> extends AsyncIterableIterator<T> {
  push(value: T): void;
  /** Ends the stream after the values already pushed are consumed (the source is done). */
  end(): void;
  /** Ends the stream with an error delivered to the consumer. */
  fail(error: Error): void;
  readonly closed: boolean;
  /** A consumer waits for the next value and nothing is queued: all pushed so far was taken. */
  readonly waiting: boolean;
}

export function createPushIterator<T>(
  onClose: () => void,
  options: { maxQueue?: number } = {},
): PushIterator<T> {
  const maxQueue = options.maxQueue ?? 1000;
  const queue: T[] = [];
  const waiting: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void }> = [];
  let closed = false;
  let ended = false;
  let failure: Error | undefined;

  const close = () => {
    if (closed) return;
    closed = true;
    onClose();
    for (const w of waiting.splice(0)) {
      if (failure) w.reject(failure);
      else w.resolve({ value: undefined, done: true });
    }
  };

  const iterator: PushIterator<T> = {
    get closed() {
      return closed;
    },
    get waiting() {
      return waiting.length > 0;
    },
    push(value) {
      if (closed || ended) return;
      const waiter = waiting.shift();
      if (waiter) return waiter.resolve({ value, done: false });
      // A consumer that cannot keep up loses the oldest updates, not the process's memory.
      if (queue.length >= maxQueue) queue.shift();
      queue.push(value);
    },
    end() {
      if (closed || ended) return;
      ended = true;
      if (queue.length === 0) close();
    },
    fail(error) {
      if (closed) return;
      failure = error;
      close();
    },
    next() {
      const value = queue.shift();
      if (value !== undefined) {
        if (ended && queue.length === 0) close();
        return Promise.resolve({ value, done: false });
      }
      if (closed) {
        if (failure) {
          const error = failure;
          failure = undefined;
          return Promise.reject(error);
        }
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return() {
      queue.length = 0;
      close();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error?: unknown) {
      queue.length = 0;
      close();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
