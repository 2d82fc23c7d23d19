import { eq, max, min, sql } from 'drizzle-orm';
import type { Day } from '../domain/business-day.ts';
import type { BillingDayFigures } from '../domain/billing-day.ts';
import type { AccountingTx } from './db.ts';
import { jsonParam } from '@ates/service-kit';
import { billingDayAccounts, billingDays, dailyTotals, payouts, type BillingDayRow } from './schema.ts';

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

/** An account to close, locked, with what already counts on days after the day being closed. */
export interface AccountToClose {
  id: string;
  userId: string;
  balance: number;
  countedAfter: number;
}

/**
 * The next accounts not yet closed through `day` (id order after `afterId`), locked until the
 * transaction ends (in id order, as ledger batches lock them), each with the sum of its
 * transactions on later days: one statement for a page of the close.
 */
export async function lockAccountsToClose(
  db: AccountingTx,
  day: Day,
  afterId: string | null,
  limit: number,
): Promise<AccountToClose[]> {
  const rows = await db.execute<{
    id: string;
    user_id: string;
    balance: string | number;
    counted_after: string | number;
  }>(sql`
    with locked as (
      select id, user_id, balance from accounts
      where (closed_through is null or closed_through < ${day}::date)
        and id > ${afterId ?? '00000000-0000-0000-0000-000000000000'}::uuid
      order by id
      limit ${limit}
      for update
    )
    select l.id, l.user_id, l.balance,
           coalesce((select sum(t.amount) from transactions t
                     where t.account_id = l.id and t.day > ${day}::date), 0) as counted_after
    from locked l
    order by l.id`);
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    balance: Number(r.balance),
    countedAfter: Number(r.counted_after),
  }));
}

/** Moves closed accounts' balances by their payouts and their `closed_through` to `day`, in one statement. */
export async function markAccountsClosed(
  db: AccountingTx,
  day: Day,
  accounts: readonly { id: string; delta: number }[],
): Promise<void> {
  if (accounts.length === 0) return;
  await db.execute(sql`
    update accounts a set balance = a.balance + v.delta, closed_through = ${day}::date
    from jsonb_to_recordset(${jsonParam(accounts)}) as v(id uuid, delta bigint) where a.id = v.id`);
}

/** What the close did to each account of a page (for its figures), in one statement. */
export async function recordAccountCloses(
  db: AccountingTx,
  rows: readonly { day: Day; accountId: string; closingBalance: number; payoutId: string | null }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.execute(sql`
    insert into billing_day_accounts (day, account_id, closing_balance, payout_id)
    select day, account_id, closing_balance, payout_id
    from jsonb_to_recordset(${jsonParam(rows.map((r) => ({ day: r.day, account_id: r.accountId, closing_balance: r.closingBalance, payout_id: r.payoutId })))})
      as r(day date, account_id uuid, closing_balance bigint, payout_id uuid)`);
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
