import { and, asc, eq, gt, isNull, lt, max, min, or, sql } from 'drizzle-orm';
import type { Day } from '../domain/business-day.ts';
import type { BillingDayFigures } from '../domain/billing-day.ts';
import type { AccountingTx } from './db.ts';
import {
  accounts,
  billingDayAccounts,
  billingDays,
  dailyTotals,
  payouts,
  transactions,
  type BillingDayRow,
} from './schema.ts';

export async function findBillingDay(db: AccountingTx, day: Day): Promise<BillingDayRow | undefined> {
  const [row] = await db.select().from(billingDays).where(eq(billingDays.day, day));
  return row;
}

/** The latest closed billing day: every account is closed through it (and any day before). */
export async function latestClosedDay(db: AccountingTx): Promise<Day | null> {
  const [row] = await db.select({ day: max(billingDays.day) }).from(billingDays);
  return row?.day ?? null;
}

/** The first business day with any transaction, or null on an empty ledger. */
export async function firstActivityDay(db: AccountingTx): Promise<Day | null> {
  const [row] = await db.select({ day: min(dailyTotals.day) }).from(dailyTotals);
  return row?.day ?? null;
}

/** Accounts not yet closed through `day`, in id order after `afterId` (keyset pages). */
export async function accountIdsToClose(
  db: AccountingTx,
  day: Day,
  afterId: string | null,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .select({ id: accounts.id })
    .from(accounts)
    .where(
      and(
        or(isNull(accounts.closedThrough), lt(accounts.closedThrough, day)),
        afterId ? gt(accounts.id, afterId) : undefined,
      ),
    )
    .orderBy(asc(accounts.id))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** What already counts on days after `day` for the account (a close that runs late). */
export async function sumCountedAfter(db: AccountingTx, accountId: string, day: Day): Promise<number> {
  const [row] = await db
    .select({ sum: sql<string | null>`sum(${transactions.amount})` })
    .from(transactions)
    .where(and(eq(transactions.accountId, accountId), gt(transactions.day, day)));
  return Number(row?.sum ?? 0);
}

export async function markClosedThrough(db: AccountingTx, accountId: string, day: Day): Promise<void> {
  await db.update(accounts).set({ closedThrough: day }).where(eq(accounts.id, accountId));
}

export async function recordAccountClose(db: AccountingTx, row: typeof billingDayAccounts.$inferInsert) {
  await db.insert(billingDayAccounts).values(row);
}

/** The figures of a close, from what it recorded per account (so a resumed close counts everyone). */
export async function figuresOfClose(db: AccountingTx, day: Day): Promise<BillingDayFigures> {
  const [row] = await db
    .select({
      accountsPaid: sql<number>`count(${billingDayAccounts.payoutId})::int`,
      totalPaid: sql<string>`coalesce(sum(${payouts.amount}), 0)::int8`,
      accountsInRed: sql<number>`(count(*) filter (where ${billingDayAccounts.closingBalance} < 0))::int`,
    })
    .from(billingDayAccounts)
    .leftJoin(payouts, eq(payouts.id, billingDayAccounts.payoutId))
    .where(eq(billingDayAccounts.day, day));
  return {
    day,
    accountsPaid: row?.accountsPaid ?? 0,
    totalPaid: Number(row?.totalPaid ?? 0),
    accountsInRed: row?.accountsInRed ?? 0,
  };
}

/** Records the day as closed; undefined if it already was (the first record stands). */
export async function insertBillingDay(
  db: AccountingTx,
  figures: BillingDayFigures,
  closedAt: Date,
): Promise<BillingDayRow | undefined> {
  const [row] = await db
    .insert(billingDays)
    .values({ ...figures, closedAt })
    .onConflictDoNothing()
    .returning();
  return row;
}

export const figuresOf = (row: BillingDayRow): BillingDayFigures => ({
  day: row.day,
  accountsPaid: row.accountsPaid,
  totalPaid: row.totalPaid,
  accountsInRed: row.accountsInRed,
});
