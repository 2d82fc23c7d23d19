import { describe, expect, it } from 'vitest';
import {
  countAttempt,
  decideAttempt,
  throttleKeys,
  type FailureCount,
  type ThrottlePolicy,
} from '../src/domain/login-throttle.ts';

const now = new Date('2026-11-24T10:00:00Z');
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000);
const policy: ThrottlePolicy = {
  windowMs: 15 * 60_000,
  perLoginAddress: 3,
  perAddress: 10,
  perLogin: 20,
  loginDelayMs: 1000,
};
const count = (failures: number, windowAgo: number, lastAgo = 0): FailureCount => ({
  windowStart: secondsAgo(windowAgo),
  failures,
  lastAttemptAt: secondsAgo(lastAgo),
});
const at = (counts: Partial<Record<'login' | 'login_address' | 'address', FailureCount>>) =>
  throttleKeys('Kesha', '10.0.0.1').map((k) => ({ ...k, count: counts[k.scope] }));

describe('log-in throttle policy', () => {
  it('keys one login by its case-folded NFC form, with and without an address', () => {
    expect(throttleKeys(' KESHA ', '10.0.0.1').map((k) => k.key)).toEqual([
      'addr:10.0.0.1',
      'login-addr:kesha|10.0.0.1',
      'login:kesha',
    ]);
    expect(throttleKeys('kesha', undefined).map((k) => k.scope)).toEqual(['login']);
  });

  it('lets an attempt through while every counter is under its limit', () => {
    expect(decideAttempt(at({}), policy, now)).toEqual({ allowed: true });
    expect(
      decideAttempt(at({ login_address: count(2, 60), address: count(9, 60) }), policy, now).allowed,
    ).toBe(true);
  });

  it('makes a login from one address wait until its window ends', () => {
    expect(decideAttempt(at({ login_address: count(3, 300) }), policy, now)).toEqual({
      allowed: false,
      scope: 'login_address',
      retryAfterSeconds: 600,
    });
  });

  it('makes an address that failed across many logins wait', () => {
    expect(decideAttempt(at({ address: count(10, 60) }), policy, now)).toMatchObject({
      allowed: false,
      scope: 'address',
      retryAfterSeconds: 840,
    });
  });

  it('delays a login failed from everywhere, doubling per failure, never past the window', () => {
    const wait = (failures: number, lastAgo: number) =>
      decideAttempt(at({ login: count(failures, 60, lastAgo) }), policy, now);
    expect(wait(20, 0)).toMatchObject({ scope: 'login', retryAfterSeconds: 1 });
    expect(wait(23, 0)).toMatchObject({ scope: 'login', retryAfterSeconds: 8 });
    expect(wait(23, 8)).toEqual({ allowed: true });
    expect(wait(60, 0)).toMatchObject({ scope: 'login', retryAfterSeconds: 900 });
  });

  it('forgets a window that has passed', () => {
    expect(decideAttempt(at({ login_address: count(50, 16 * 60) }), policy, now)).toEqual({ allowed: true });
    expect(countAttempt(count(50, 16 * 60), policy, now)).toEqual({
      windowStart: now,
      failures: 1,
      lastAttemptAt: now,
    });
    expect(countAttempt(count(2, 60), policy, now).failures).toBe(3);
  });
});
