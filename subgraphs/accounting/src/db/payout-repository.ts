import { and, asc, desc, eq, lte, min, ne, sql } from 'drizzle-orm';
import type { AccountingTx } from './db.ts';
import {
  anyUuidPlaceholder,
  isUuid,
  jsonParam,
  preparedPerDb,
  traceHeaders,
  uuidArrayLiteral,
} from '@ates/service-kit';
import { payouts, type PayoutRow } from './schema.ts';

/** The payout worker LISTENs here: a close left new PENDING payouts. */
export const PAYOUTS_CHANNEL = 'ates_payouts';

/**
 * Wakes the payout worker when the caller's transaction commits (NOTIFY is transactional). The
 * payload is the day, and the W3C traceparent of the close when it is traced, so the worker
 * pays in the close's trace: `2026-01-05 00-<trace>-<span>-01`.
 */
export async function notifyPayoutsDue(db: AccountingTx, day: string): Promise<void> {
  const { traceparent } = traceHeaders();
  const payload = traceparent ? `${day} ${traceparent}` : day;
  await db.execute(sql`select pg_notify(${PAYOUTS_CHANNEL}, ${payload})`);
}

/** The trace headers a NOTIFY of `notifyPayoutsDue` carries ({} when untraced). */
export function payoutsNotifyTrace(payload: string): Record<string, string> {
  const traceparent = payload.split(' ')[1];
  return traceparent ? { traceparent } : {};
}

/**
 * PENDING/FAILED → PAID for a batch of confirmed payments, in one statement; as markPayoutPaid,
 * only the rows this call moved come back (as the caller's rows, PAID, with the new attempt count).
 */
export async function markPayoutsPaid(
  db: AccountingTx,
  receipts: readonly { payout: PayoutRow; providerPaymentId: string; paidAt: Date }[],
): Promise<PayoutRow[]> {
  if (receipts.length === 0) return [];
  const json = receipts.map((r) => ({
    id: r.payout.id,
    provider_payment_id: r.providerPaymentId,
    paid_at: r.paidAt.toISOString(),
  }));
  const rows = await db.execute<{ id: string; attempts: number }>(sql`
    update payouts p set status = 'PAID', attempts = p.attempts + 1, last_error = null,
      paid_at = r.paid_at, provider_payment_id = r.provider_payment_id
    from jsonb_to_recordset(${jsonParam(json)}) as r(id uuid, provider_payment_id text, paid_at timestamptz)
    where p.id = r.id and p.status <> 'PAID'
    returning p.id, p.attempts`);
  const byId = new Map(receipts.map((r) => [r.payout.id, r]));
  return rows.map((r) => {
    const receipt = byId.get(r.id)!;
    return {
      ...receipt.payout,
      status: 'PAID',
      attempts: r.attempts,
      lastError: null,
      paidAt: receipt.paidAt,
      providerPaymentId: receipt.providerPaymentId,
    };
  });
}

/** Unpaid payouts whose next attempt is due, oldest schedule first. */
export async function duePayouts(db: AccountingTx, now: Date, limit: number): Promise<PayoutRow[]> {
  return (
    db
      .select()
      .from(payouts)
      .where(and(ne(payouts.status, 'PAID'), lte(payouts.nextAttemptAt, now)))
      // Ties (a whole close is due at once) in any order: an id tie-break would sort them all.
      .orderBy(asc(payouts.nextAttemptAt))
      .limit(limit)
  );
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
  return recordAttempt(db, id, {
    status: 'PAID',
    lastError: null,
    paidAt: receipt.paidAt,
    providerPaymentId: receipt.providerPaymentId,
  });
}

/** Counts one more attempt and sets its outcome, unless the payout is already PAID. */
async function recordAttempt(
  db: AccountingTx,
  id: string,
  outcome: Partial<typeof payouts.$inferInsert>,
): Promise<PayoutRow | undefined> {
  const [row] = await db
    .update(payouts)
    .set({ ...outcome, attempts: sql`${payouts.attempts} + 1` })
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
  return recordAttempt(db, id, {
    status: 'FAILED',
    lastError: failure.reason.slice(0, 1000),
    nextAttemptAt: failure.nextAttemptAt,
  });
}

/** Every payout of the accounts, newest day first. */
export async function payoutsOfAccounts(
  db: AccountingTx,
  accountIds: readonly string[],
): Promise<PayoutRow[]> {
  const valid = accountIds.filter(isUuid);
  if (valid.length === 0) return [];
  return payoutsOfAccountIds(db).execute({ accountIds: uuidArrayLiteral(valid) });
}

const payoutsOfAccountIds = preparedPerDb((db: AccountingTx) =>
  db
    .select()
    .from(payouts)
    .where(anyUuidPlaceholder(payouts.accountId, 'accountIds'))
    .orderBy(desc(payouts.day), asc(payouts.id))
    .prepare('payouts_of_accounts'),
);

/** How many payouts, and how many cents, stand in each status (the statuses that have any). */
export async function payoutTotalsByStatus(db: AccountingTx) {
  return db
    .select({
      status: payouts.status,
      count: sql<number>`count(*)::int`,
      cents: sql<number>`coalesce(sum(${payouts.amount}), 0)::int8`.mapWith(Number),
    })
    .from(payouts)
    .groupBy(payouts.status);
}
