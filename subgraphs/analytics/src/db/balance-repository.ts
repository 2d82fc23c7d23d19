import { and, desc, gte, lt, lte, sql } from 'drizzle-orm';
import type { BalanceRow, RedChange } from '../domain/balances.ts';
import type { Day } from '../domain/calendar.ts';
import type { AnalyticsTx } from './db.ts';
import { accountDays, redCounts } from './schema.ts';

interface BalanceRecord extends Record<string, unknown> {
  day: string;
  balance: string | number;
}

/**
 * Moves an account's end-of-day balances by a transaction of `amount` on `day`: the row of
 * `day` (made from the latest row before it, or 0) and every later row. Returns the rows from
 * `day` on after the change, ascending; before it, each held `balance − amount`. One statement.
 */
export async function addToBalances(
  db: AnalyticsTx,
  accountId: string,
  day: Day,
  amount: number,
): Promise<BalanceRow[]> {
  const t = accountDays;
  const rows = await db.execute<BalanceRecord>(sql`
    with own as (
      insert into ${t} (account_id, day, balance)
      values (${accountId}, ${day}, ${amount} + coalesce((
        select balance from ${t} where account_id = ${accountId} and day < ${day} order by day desc limit 1), 0))
      on conflict (account_id, day) do update set balance = ${t}.balance + ${amount}
      returning day, balance
    ), later as (
      update ${t} set balance = balance + ${amount}
      where account_id = ${accountId} and day > ${day}
      returning day, balance
    )
    select day::text as day, balance from own
    union all
    select day::text, balance from later`);
  return rows
    .map((r) => ({ day: r.day, balance: Number(r.balance) }))
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** Makes sure the count in red has a row on `day`, holding the count that applied there. */
async function ensureRedRow(db: AnalyticsTx, day: Day): Promise<void> {
  const current = db
    .select({ popugs: redCounts.popugs })
    .from(redCounts)
    .where(lte(redCounts.day, day))
    .orderBy(desc(redCounts.day))
    .limit(1);
  await db.execute(sql`
    insert into ${redCounts} (day, popugs)
    values (${day}, coalesce((${current}), 0))
    on conflict do nothing`);
}

/** Moves the count in red by `delta` on the days from `from` up to `to` (exclusive; null: all later). */
export async function applyRedChange(db: AnalyticsTx, change: RedChange): Promise<void> {
  await ensureRedRow(db, change.from);
  if (change.to !== null) await ensureRedRow(db, change.to);
  await db
    .update(redCounts)
    .set({ popugs: sql`${redCounts.popugs} + ${change.delta}` })
    .where(
      and(gte(redCounts.day, change.from), change.to === null ? undefined : lt(redCounts.day, change.to)),
    );
}
