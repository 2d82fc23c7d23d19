import { inArray, sql } from 'drizzle-orm';
import { loginFailures } from './schema.ts';
import type { UsersTx } from './user-repository.ts';
import type { FailureCount } from '../domain/login-throttle.ts';

export async function failureCounts(db: UsersTx, keys: string[]): Promise<Map<string, FailureCount>> {
  const rows = await db.select().from(loginFailures).where(inArray(loginFailures.key, keys));
  return new Map(rows.map((r) => [r.key, { windowStart: r.windowStart, failures: r.failures }]));
}

/** Counts one failure per key; a key whose window has passed starts a new one. */
export async function recordFailure(db: UsersTx, keys: string[], now: Date, windowMs: number): Promise<void> {
  const windowEdge = new Date(now.getTime() - windowMs);
  await db
    .insert(loginFailures)
    .values(keys.map((key) => ({ key, windowStart: now, failures: 1 })))
    .onConflictDoUpdate({
      target: loginFailures.key,
      set: {
        failures: sql`case when ${loginFailures.windowStart} <= ${windowEdge.toISOString()}::timestamptz then 1 else ${loginFailures.failures} + 1 end`,
        windowStart: sql`case when ${loginFailures.windowStart} <= ${windowEdge.toISOString()}::timestamptz then excluded.window_start else ${loginFailures.windowStart} end`,
      },
    });
}

export async function clearFailures(db: UsersTx, key: string): Promise<void> {
  await db.delete(loginFailures).where(inArray(loginFailures.key, [key]));
}
