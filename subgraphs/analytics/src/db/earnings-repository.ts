import { sql } from 'drizzle-orm';
import { jsonParam } from '@ates/service-kit';
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

export interface DayEarnings {
  day: Day;
  /** Positive cents. */
  feesCharged: number;
  rewardsPaid: number;
  transactions: number;
}

/** `addToDailyEarnings` for many days (each at most once) in one statement. */
export async function addEarnings(db: AnalyticsTx, days: readonly DayEarnings[]): Promise<void> {
  if (days.length === 0) return;
  const t = dailyEarnings;
  await db.execute(sql`
    insert into ${t} (day, fees_charged, rewards_paid, transactions)
    select e.day, e."feesCharged", e."rewardsPaid", e.transactions
    from jsonb_to_recordset(${jsonParam(days)})
      as e(day date, "feesCharged" bigint, "rewardsPaid" bigint, transactions int)
    on conflict (day) do update set
      fees_charged = ${t}.fees_charged + excluded.fees_charged,
      rewards_paid = ${t}.rewards_paid + excluded.rewards_paid,
      transactions = ${t}.transactions + excluded.transactions`);
}
