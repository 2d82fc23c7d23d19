/** How many failed log-ins a key may have in a window before log-in is refused. */
export interface ThrottlePolicy {
  windowMs: number;
  perLogin: number;
  perAddress: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { windowMs: 15 * 60_000, perLogin: 10, perAddress: 100 };

export interface FailureCount {
  windowStart: Date;
  failures: number;
}

/**
 * Seconds until `key` may try again, or 0 when it may now. A window that has passed no longer
 * counts. Pure, so the policy is tested without a database.
 */
export function retryAfterSeconds(
  count: FailureCount | undefined,
  limit: number,
  windowMs: number,
  now: Date,
): number {
  if (!count) return 0;
  const endsAt = count.windowStart.getTime() + windowMs;
  if (endsAt <= now.getTime() || count.failures < limit) return 0;
  return Math.ceil((endsAt - now.getTime()) / 1000);
}
