import { asc } from 'drizzle-orm';
import type { AnalyticsTx } from '../../../src/db/db.ts';
import { figuresBetween } from '../../../src/db/figures-repository.ts';
import { accountDays, dailyEarnings, tasks } from '../../../src/db/schema.ts';
import { checkDayRange, type Day } from '../../../src/domain/calendar.ts';
import { redOnDays } from '../../../src/domain/figures.ts';

/** Every row of the read model's earnings, balances and tasks, in a stable order. */
export async function readModelRows(db: AnalyticsTx) {
  return {
    earnings: await db.select().from(dailyEarnings).orderBy(asc(dailyEarnings.day)),
    balances: await db.select().from(accountDays).orderBy(asc(accountDays.accountId), asc(accountDays.day)),
    tasks: await db.select().from(tasks).orderBy(asc(tasks.id)),
  };
}

/** The count in red at the end of each day from `from` to `to` (rows may differ where this does not). */
export async function popugsInRedOnDays(db: AnalyticsTx, from: Day, to: Day) {
  const figures = await figuresBetween(db, from, to);
  const days = checkDayRange(from, to);
  const counts = redOnDays(days, figures.redBefore, figures.redChanges);
  return days.map((day, i) => ({ day, popugs: counts[i]! }));
}
