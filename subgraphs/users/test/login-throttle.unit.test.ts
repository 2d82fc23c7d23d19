import { describe, expect, it } from 'vitest';
import { retryAfterSeconds } from '../src/domain/login-throttle.ts';

const now = new Date('2026-11-24T10:00:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

describe('log-in throttle policy', () => {
  it('lets a key try while it is under the limit', () => {
    expect(retryAfterSeconds(undefined, 3, 15 * 60_000, now)).toBe(0);
    expect(retryAfterSeconds({ windowStart: minutesAgo(1), failures: 2 }, 3, 15 * 60_000, now)).toBe(0);
  });

  it('makes a key at the limit wait until its window ends', () => {
    expect(retryAfterSeconds({ windowStart: minutesAgo(5), failures: 3 }, 3, 15 * 60_000, now)).toBe(600);
  });

  it('forgets a window that has passed', () => {
    expect(retryAfterSeconds({ windowStart: minutesAgo(16), failures: 50 }, 3, 15 * 60_000, now)).toBe(0);
  });
});
