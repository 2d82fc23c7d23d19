import { and, gte, lte, sql } from 'drizzle-orm';
import type { Day } from '../domain/calendar.ts';
import type { DayEarnings } from '../domain/figures.ts';
import type { AnalyticsTx } from './db.ts';
import { dailyEarnings } from './schema.ts';

/** Adds a fee (`feesCharged`) or a reward (`rewardsPaid`), in positive cents, to its billing day. */
export async function addToDailyEarnings(
  db: AnalyticsTx,
  day: Day,
  column: 'feesCharged' | 'rewardsPaid',
  cents: number,
): Promise<void> {
  await db
    .insert(dailyEarnings)
    .values({ day, [column]: cents, transactions: 1 })
    .onConflictDoUpdate({
      target: dailyEarnings.day,
      set: {
        [column]: sql`${dailyEarnings[column]} + ${cents}`,
        transactions: sql`${dailyEarnings.transactions} + 1`,
      },
    });
}

/** The days from `from` to `to` that had fees or rewards, one row each. */
export async function earningsBetween(db: AnalyticsTx, from: Day, to: Day): Promise<DayEarnings[]> {
  return db
    .select({
      day: dailyEarnings.day,
      feesCharged: dailyEarnings.feesCharged,
      rewardsPaid: dailyEarnings.rewardsPaid,
    })
    .from(dailyEarnings)
    .where(and(gte(dailyEarnings.day, from), lte(dailyEarnings.day, to)));
}
