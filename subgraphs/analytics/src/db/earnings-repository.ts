import { sql } from 'drizzle-orm';
import type { Day } from '../domain/calendar.ts';
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
