import { eq, max, min, sql } from 'drizzle-orm';
import type { Day } from '../domain/business-day.ts';
import type { BillingDayFigures } from '../domain/billing-day.ts';
import type { AccountingTx } from './db.ts';
import { jsonParam, uuidArrayLiteral } from '@ates/service-kit';
import { billingDays, dailyTotals, type BillingDayRow } from './schema.ts';

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
 * transactions on later days. Two statements: the sum is read after the locks are held, in a
 * snapshot of its own, so a ledger batch the lock waited for counts in both the balance and the
 * sum (one statement sees the balance it waited for but sums in the snapshot before the wait).
 */
export async function lockAccountsToClose(
  db: AccountingTx,
  day: Day,
  afterId: string | null,
  limit: number,
): Promise<AccountToClose[]> {
  const locked = await db.execute<{ id: string; user_id: string; balance: string | number }>(sql`
    select id, user_id, balance from accounts
    where (closed_through is null or closed_through < ${day}::date)
      and id > ${afterId ?? '00000000-0000-0000-0000-000000000000'}::uuid
    order by id
    limit ${limit}
    for update`);
  if (locked.length === 0) return [];
  const later = await db.execute<{ account_id: string; counted_after: string | number }>(sql`
    select account_id, sum(amount) as counted_after from transactions
    where account_id = any(${uuidArrayLiteral(locked.map((r) => r.id))}::uuid[]) and day > ${day}::date
    group by account_id`);
  const countedAfter = new Map(later.map((r) => [r.account_id, Number(r.counted_after)]));
  return locked.map((r) => ({
    id: r.id,
    userId: r.user_id,
    balance: Number(r.balance),
    countedAfter: countedAfter.get(r.id) ?? 0,
  }));
}

/** What the close decided for one account of a page (see accountClose). */
export interface AccountCloseRecord {
  accountId: string;
  /** The balance at the end of the day; not recorded when 0. */
  closingBalance: number;
  /** A positive closing balance: paid out by this payout through this PAYOUT ledger row. */
  payout: {
    id: string;
    userId: string;
    transactionId: string;
    amount: number;
    /** The account's balance once the payout is off it. */
    balanceAfter: number;
  } | null;
}

/**
 * Records the close of a page of accounts in one statement, from one JSON document: per payout
 * the PAYOUT ledger row (in the page's order, so `seq` follows it) and the PENDING payout; per
 * account carried over in the red its `billing_day_accounts` row (a paid account has none: its
 * payout and the day's totals record it); per account the balance minus the payout and
 * `closed_through = day`. The day, the time and the description are parameters, not
 * repeated per row: a page of 5,000 accounts is ~1 MB less JSON to build, send and parse.
 */
export async function recordAccountCloses(
  db: AccountingTx,
  close: { day: Day; at: Date; description: string },
  records: readonly AccountCloseRecord[],
): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map((r) => ({
    a: r.accountId,
    c: r.closingBalance,
    p: r.payout?.id ?? null,
    u: r.payout?.userId ?? null,
    t: r.payout?.transactionId ?? null,
    x: r.payout?.amount ?? 0,
    b: r.payout?.balanceAfter ?? null,
  }));
  const day = close.day;
  const at = close.at.toISOString();
  await db.execute(sql`
    with r as (
      select * from rows from (jsonb_to_recordset(${jsonParam(rows)})
        as (a uuid, c bigint, p uuid, u uuid, t uuid, x bigint, b bigint)) with ordinality
        as r(a, c, p, u, t, x, b, n)
    ), ledger as (
      insert into transactions (id, account_id, kind, amount, balance_after, description, day, created_at)
      select t, a, 'PAYOUT', -x, b, ${close.description}, ${day}::date, ${at}::timestamptz
      from r where p is not null order by n
    ), paying as (
      insert into payouts (id, account_id, user_id, day, amount, transaction_id, status, next_attempt_at, created_at)
      select p, a, u, ${day}::date, x, t, 'PENDING', ${at}::timestamptz, ${at}::timestamptz
      from r where p is not null
    ), closes as (
      insert into billing_day_accounts (day, account_id, closing_balance, payout_id)
      select ${day}::date, a, c, null from r where p is null and c < 0
    )
    update accounts set balance = accounts.balance - r.x, closed_through = ${day}::date
    from r where accounts.id = r.a`);
}

/**
 * The figures of a close, from what it recorded (so a resumed close counts everyone): the accounts
 * paid and their total from the day's totals (one PAYOUT row per payout, all on the closed day),
 * the accounts in the red from `billing_day_accounts`.
 */
export async function figuresOfClose(db: AccountingTx, day: Day): Promise<BillingDayFigures> {
  const [row] = await db.execute<{ paid: number; total: string; red: number }>(sql`
    select coalesce((select payout_count from daily_totals where day = ${day}::date), 0)::int as paid,
           coalesce((select payouts_made from daily_totals where day = ${day}::date), 0)::int8 as total,
           (select count(*) from billing_day_accounts
            where day = ${day}::date and closing_balance < 0)::int as red`);
  return {
    day,
    accountsPaid: row?.paid ?? 0,
    totalPaid: Number(row?.total ?? 0),
    accountsInRed: row?.red ?? 0,
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
