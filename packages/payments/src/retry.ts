import { randomFraction } from '@ates/service-kit';
import { PaymentError } from './provider.ts';

export interface BackoffPolicy {
  /** Delay before the first retry. */
  initialDelayMs: number;
  /** No delay is longer than this. */
  maxDelayMs: number;
  /** Growth per attempt; default 2. */
  factor?: number;
  /**
   * Fraction of each delay that is randomized (0 = none, 1 = "full jitter"); default 0.
   * Spreads the retries of many payouts that failed together.
   */
  jitter?: number;
}

/**
 * The delay before retry number `retry` (1 = the first retry): exponential, capped, optionally
 * jittered with `random()` in [0, 1). Pure, so a persisted schedule (a FAILED payout's next
 * attempt time) and the in-process loop below agree.
 */
export function backoffDelay(
  retry: number,
  policy: BackoffPolicy,
  random: () => number = randomFraction,
): number {
  const factor = policy.factor ?? 2;
  const exponential = policy.initialDelayMs * factor ** Math.max(0, retry - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  const jitter = Math.min(1, Math.max(0, policy.jitter ?? 0));
  return Math.round(capped * (1 - jitter) + capped * jitter * random());
}

export interface RetryOptions extends BackoffPolicy {
  /** Attempts in all, the first included (>= 1). */
  attempts: number;
  /** Default: retry PaymentErrors that are retryable, and nothing else. */
  shouldRetry?: (error: unknown) => boolean;
  /** Called before each wait, e.g. to log or record the failure. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** Injectable for tests; defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Stops waiting (rejects with the last error) when aborted, e.g. at shutdown. */
  signal?: AbortSignal;
}

export const isRetryablePaymentError = (error: unknown) => error instanceof PaymentError && error.retryable;

const realSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Runs `fn` until it succeeds, fails with an error `shouldRetry` refuses, or `attempts` are
 * used up; then throws the last error. Safe for `provider.pay` because every attempt carries
 * the same idempotency key.
 */
export async function retryWithBackoff<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const shouldRetry = options.shouldRetry ?? isRetryablePaymentError;
  const sleep = options.sleep ?? ((ms: number) => realSleep(ms, options.signal));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !shouldRetry(error) || options.signal?.aborted) throw error;
      const delayMs = backoffDelay(attempt, options, options.random);
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs);
      if (options.signal?.aborted) throw error;
    }
  }
}
