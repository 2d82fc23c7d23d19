import { and, asc, desc, eq, gt, gte, lt, lte, sql } from 'drizzle-orm';
import type { BalanceRow, RedChange } from '../domain/balances.ts';
import type { Day } from '../domain/calendar.ts';
import type { AnalyticsTx } from './db.ts';
import { accountDays, redCounts } from './schema.ts';

/**
 * What a transaction on `day` needs of an account: the balance of its latest row before `day`
 * (0 if none) and its rows from `day` on, ascending. One statement.
 */
export async function balancesAround(
  db: AnalyticsTx,
  accountId: string,
  day: Day,
): Promise<{ before: number; later: BalanceRow[] }> {
  const previous = db
    .select({ day: sql`max(${accountDays.day})` })
    .from(accountDays)
    .where(and(eq(accountDays.accountId, accountId), lt(accountDays.day, day)));
  const rows = await db
    .select({ day: accountDays.day, balance: accountDays.balance })
    .from(accountDays)
    .where(
      and(eq(accountDays.accountId, accountId), gte(accountDays.day, sql`coalesce((${previous}), ${day})`)),
    )
    .orderBy(asc(accountDays.day));
  const first = rows[0];
  if (first && first.day < day) return { before: first.balance, later: rows.slice(1) };
  return { before: 0, later: rows };
}

/** Writes an account's rows from `day` on after a transaction of `amount` (see `applyTransaction`). */
export async function saveBalances(
  db: AnalyticsTx,
  accountId: string,
  day: Day,
  amount: number,
  rows: readonly BalanceRow[],
): Promise<void> {
  const [own] = rows;
  if (!own) return;
  await Promise.all([
    db
      .insert(accountDays)
      .values({ accountId, day, balance: own.balance })
      .onConflictDoUpdate({
        target: [accountDays.accountId, accountDays.day],
        set: { balance: own.balance },
      }),
    rows.length > 1
      ? db
          .update(accountDays)
          .set({ balance: sql`${accountDays.balance} + ${amount}` })
          .where(and(eq(accountDays.accountId, accountId), gt(accountDays.day, day)))
      : null,
  ]);
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
