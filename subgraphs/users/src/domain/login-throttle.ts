/**
 * Log-in throttling after OWASP's authentication cheat sheet. Three counters of failed
 * log-ins, each in a fixed window:
 * - per login and client address: the tight limit, so guessing one login from one place stops;
 * - per client address across logins: stops one place from spraying many logins;
 * - per login from anywhere, at a higher threshold: past it each attempt waits longer
 *   (doubling), so a distributed guess slows down, but the real user is delayed, never locked.
 * Failures from one address never lock the login for other addresses: only the first two
 * counters refuse outright, and both name that address.
 */
export interface ThrottlePolicy {
  windowMs: number;
  perLoginAddress: number;
  perAddress: number;
  perLogin: number;
  /** The first delay past `perLogin`; each further failure doubles it (capped at the window). */
  loginDelayMs: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = {
  windowMs: 15 * 60_000,
  perLoginAddress: 10,
  perAddress: 100,
  perLogin: 50,
  loginDelayMs: 1000,
};

export type ThrottleScope = 'login_address' | 'address' | 'login';

export interface ThrottleKey {
  key: string;
  scope: ThrottleScope;
}

/** The counter rows one attempt touches, sorted so concurrent attempts lock them in one order. */
export function throttleKeys(login: string, clientAddress: string | undefined): ThrottleKey[] {
  const name = login.trim().normalize('NFC').toLowerCase();
  const keys: ThrottleKey[] = [{ key: `login:${name}`, scope: 'login' }];
  if (clientAddress) {
    keys.push({ key: `login-addr:${name}|${clientAddress}`, scope: 'login_address' });
    keys.push({ key: `addr:${clientAddress}`, scope: 'address' });
  }
  return keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export interface FailureCount {
  windowStart: Date;
  failures: number;
  lastAttemptAt: Date;
}

export type ThrottleDecision =
  { allowed: true } | { allowed: false; scope: ThrottleScope; retryAfterSeconds: number };

/** The number of failures that closes a scope's counter (the login scope only delays). */
export function limitOf(scope: ThrottleScope, policy: ThrottlePolicy): number {
  if (scope === 'login_address') return policy.perLoginAddress;
  if (scope === 'address') return policy.perAddress;
  return policy.perLogin;
}

/** Milliseconds from `now` until this counter lets another attempt through (0: now). */
function waitMs(scope: ThrottleScope, count: FailureCount, policy: ThrottlePolicy, now: Date): number {
  const windowEnds = count.windowStart.getTime() + policy.windowMs;
  if (windowEnds <= now.getTime()) return 0;
  const limit = limitOf(scope, policy);
  if (count.failures < limit) return 0;
  if (scope !== 'login') return windowEnds - now.getTime();
  const delay = Math.min(policy.loginDelayMs * 2 ** Math.min(count.failures - limit, 30), policy.windowMs);
  return Math.max(0, count.lastAttemptAt.getTime() + delay - now.getTime());
}

/**
 * Whether one more attempt may be evaluated, given the counters as they stand (under their
 * row locks). Pure, so the policy is tested without a database.
 */
export function decideAttempt(
  counts: ReadonlyArray<ThrottleKey & { count: FailureCount | undefined }>,
  policy: ThrottlePolicy,
  now: Date,
): ThrottleDecision {
  let worst: { scope: ThrottleScope; ms: number } | undefined;
  for (const { scope, count } of counts) {
    const ms = count ? waitMs(scope, count, policy, now) : 0;
    if (ms > 0 && (!worst || ms > worst.ms)) worst = { scope, ms };
  }
  return worst
    ? { allowed: false, scope: worst.scope, retryAfterSeconds: Math.max(1, Math.ceil(worst.ms / 1000)) }
    : { allowed: true };
}

/** A counter after one more attempt: a window that has passed starts again. */
export function countAttempt(
  count: FailureCount | undefined,
  policy: ThrottlePolicy,
  now: Date,
): FailureCount {
  if (!count || count.windowStart.getTime() + policy.windowMs <= now.getTime())
    return { windowStart: now, failures: 1, lastAttemptAt: now };
  return { windowStart: count.windowStart, failures: count.failures + 1, lastAttemptAt: now };
}
