import { and, asc, desc, eq, inArray, lte, min, ne, sql } from 'drizzle-orm';
import type { AccountingTx } from './db.ts';
import { isUuid } from './db.ts';
import { payouts, type PayoutRow } from './schema.ts';

export async function insertPayout(db: AccountingTx, row: typeof payouts.$inferInsert): Promise<PayoutRow> {
  const [inserted] = await db.insert(payouts).values(row).returning();
  if (!inserted) throw new Error(`payout ${row.id} was not inserted`);
  return inserted;
}

/** Unpaid payouts whose next attempt is due, oldest schedule first. */
export async function duePayouts(db: AccountingTx, now: Date, limit: number): Promise<PayoutRow[]> {
  return db
    .select()
    .from(payouts)
    .where(and(ne(payouts.status, 'PAID'), lte(payouts.nextAttemptAt, now)))
    .orderBy(asc(payouts.nextAttemptAt), asc(payouts.id))
    .limit(limit);
}

/** When the earliest unpaid payout is due, or null when every payout is paid. */
export async function nextPayoutAttempt(db: AccountingTx): Promise<Date | null> {
  const [row] = await db
    .select({ at: min(payouts.nextAttemptAt) })
    .from(payouts)
    .where(ne(payouts.status, 'PAID'));
  return row?.at ?? null;
}

/**
 * PENDING/FAILED → PAID, once: the row comes back only to the caller that made the transition,
 * so whatever follows it (events, the email) happens once per payout.
 */
export async function markPayoutPaid(
  db: AccountingTx,
  id: string,
  receipt: { providerPaymentId: string; paidAt: Date },
): Promise<PayoutRow | undefined> {
  const [row] = await db
    .update(payouts)
    .set({
      status: 'PAID',
      attempts: sql`${payouts.attempts} + 1`,
      lastError: null,
      paidAt: receipt.paidAt,
      providerPaymentId: receipt.providerPaymentId,
    })
    .where(and(eq(payouts.id, id), ne(payouts.status, 'PAID')))
    .returning();
  return row;
}

/** An unconfirmed attempt: FAILED with its reason and the time of the next attempt (never touches PAID). */
export async function markPayoutFailed(
  db: AccountingTx,
  id: string,
  failure: { reason: string; nextAttemptAt: Date },
): Promise<PayoutRow | undefined> {
  const [row] = await db
    .update(payouts)
    .set({
      status: 'FAILED',
      attempts: sql`${payouts.attempts} + 1`,
      lastError: failure.reason.slice(0, 1000),
      nextAttemptAt: failure.nextAttemptAt,
    })
    .where(and(eq(payouts.id, id), ne(payouts.status, 'PAID')))
    .returning();
  return row;
}

/** Every payout of the accounts, newest day first. */
export async function payoutsOfAccounts(
  db: AccountingTx,
  accountIds: readonly string[],
): Promise<PayoutRow[]> {
  const valid = accountIds.filter(isUuid);
  if (valid.length === 0) return [];
  return db
    .select()
    .from(payouts)
    .where(inArray(payouts.accountId, valid))
    .orderBy(desc(payouts.day), asc(payouts.id));
}
