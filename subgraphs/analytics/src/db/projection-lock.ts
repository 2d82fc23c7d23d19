import { sql } from 'drizzle-orm';
import type { AnalyticsTx } from './db.ts';

/** Any fixed key: the read model's one writer lock. */
const PROJECTION_LOCK = 0x616e61; // "ana"

const held = new WeakSet<object>();

/**
 * Serializes writers of the read model (both consumers, every replica, a rebuild running beside
 * the service) for the rest of the transaction: the projection reads balances and counts and
 * writes what follows from them, which two writers at once could get wrong, and one order of
 * writers cannot deadlock. Taken once per transaction (a batch of events).
 */
export async function lockProjection(tx: AnalyticsTx): Promise<void> {
  if (held.has(tx)) return;
  await tx.execute(sql`select pg_advisory_xact_lock(${PROJECTION_LOCK})`);
  held.add(tx);
}
