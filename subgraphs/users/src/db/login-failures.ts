import { sql } from 'drizzle-orm';
import type { UsersTx } from './user-repository.ts';
import type { FailureCount } from '../domain/login-throttle.ts';

/** Keys as one jsonb parameter: one statement text for any number of them. */
const keyList = (keys: readonly string[]) => sql`${JSON.stringify(keys)}::jsonb`;

/**
 * Locks the throttle counters of `keys` (creating empty ones) for the rest of the transaction:
 * concurrent attempts on the same login or address queue here, so each one sees the counts
 * every earlier attempt left (no read-then-write race). `keys` must be sorted (one lock order).
 */
export async function lockCounters(
  tx: UsersTx,
  keys: readonly string[],
  now: Date,
): Promise<Map<string, FailureCount>> {
  await tx.execute(sql`
    insert into login_failures (key, window_start, failures, last_attempt_at)
    select k, ${now.toISOString()}::timestamptz, 0, ${now.toISOString()}::timestamptz
    from jsonb_array_elements_text(${keyList(keys)}) as k
    on conflict (key) do nothing`);
  const rows = await tx.execute<{
    key: string;
    window_start: string;
    failures: number;
    last_attempt_at: string;
  }>(sql`
    select key, window_start, failures, last_attempt_at from login_failures
    where key = any(array(select jsonb_array_elements_text(${keyList(keys)})))
    order by key
    for update`);
  return new Map(
    rows.map((r) => [
      r.key,
      {
        windowStart: new Date(r.window_start),
        failures: Number(r.failures),
        lastAttemptAt: new Date(r.last_attempt_at),
      },
    ]),
  );
}

export async function saveCounter(tx: UsersTx, key: string, count: FailureCount): Promise<void> {
  await tx.execute(sql`
    update login_failures
    set window_start = ${count.windowStart.toISOString()}::timestamptz,
        failures = ${count.failures},
        last_attempt_at = ${count.lastAttemptAt.toISOString()}::timestamptz
    where key = ${key}`);
}

/**
 * A successful log-in: its attempt was counted in advance, so take it back; the counter of
 * this login from this address starts over (OWASP: reset on success).
 */
export async function takeBackAttempt(db: UsersTx, keys: readonly string[], resetKey: string | undefined) {
  await db.execute(sql`
    update login_failures set failures = greatest(failures - 1, 0)
    where key = any(array(select jsonb_array_elements_text(${keyList(keys)})))`);
  if (resetKey) await db.execute(sql`delete from login_failures where key = ${resetKey}`);
}
