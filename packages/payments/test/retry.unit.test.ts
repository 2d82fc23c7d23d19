import { describe, expect, it } from 'vitest';
import { backoffDelay, PaymentError, retryWithBackoff } from '../src/index.ts';

describe('backoffDelay', () => {
  const policy = { initialDelayMs: 1000, maxDelayMs: 60_000 };

  it('doubles from the initial delay and stops at the cap', () => {
    expect([1, 2, 3, 4, 7, 20].map((n) => backoffDelay(n, policy))).toEqual([
      1000, 2000, 4000, 8000, 60_000, 60_000,
    ]);
  });

  it('jitter spreads a delay below its cap, never above', () => {
    const jittered = { ...policy, jitter: 0.5 };
    expect(backoffDelay(2, jittered, () => 0)).toBe(1000);
    expect(backoffDelay(2, jittered, () => 0.999)).toBe(1999);
  });
});

describe('retryWithBackoff', () => {
  const fast = { initialDelayMs: 10, maxDelayMs: 100, sleep: async () => {} };

  it('retries retryable payment errors until it succeeds', async () => {
    let calls = 0;
    const result = await retryWithBackoff(
      async () => {
        calls += 1;
        if (calls < 3) throw new PaymentError(true, 'HTTP 503');
        return 'paid';
      },
      { ...fast, attempts: 5 },
    );
    expect(result).toBe('paid');
    expect(calls).toBe(3);
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    const error = await retryWithBackoff(
      async () => {
        calls += 1;
        throw new PaymentError(true, `attempt ${calls}`);
      },
      { ...fast, attempts: 3 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect((error as PaymentError).reason).toBe('attempt 3');
  });

  it('does not retry errors that are not retryable payment errors', async () => {
    for (const failure of [new PaymentError(false, 'declined'), new Error('bug')]) {
      let calls = 0;
      await expect(
        retryWithBackoff(
          async () => {
            calls += 1;
            throw failure;
          },
          { ...fast, attempts: 3 },
        ),
      ).rejects.toBe(failure);
      expect(calls).toBe(1);
    }
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const running = retryWithBackoff(
      async () => {
        calls += 1;
        throw new PaymentError(true, 'down');
      },
      { attempts: 10, initialDelayMs: 60_000, maxDelayMs: 60_000, signal: controller.signal },
    );
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(PaymentError);
    expect(calls).toBe(1);
  });
});
