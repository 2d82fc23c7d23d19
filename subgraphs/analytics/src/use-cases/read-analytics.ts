import { redBetween, redNow } from '../db/balance-repository.ts';
import { earningsBetween } from '../db/earnings-repository.ts';
import { mostExpensiveTask } from '../db/task-repository.ts';
import { calendarDay, checkDayRange, periodStart, type Day, type Period } from '../domain/calendar.ts';
import type { RankedTask } from '../domain/expensive-task.ts';
import { fillDays, redOnDays, type AnalyticsDay } from '../domain/figures.ts';
import type { AnalyticsDeps } from './deps.ts';

// Every query reads a handful of pre-aggregated rows through an index: its cost does not grow
// with the number of transactions or tasks (bench/analytics).

/** Today's calendar date in the company time zone. */
export const today = (deps: AnalyticsDeps): Day => calendarDay(deps.clock.now(), deps.timeZone);

/** Each day from `from` to `to` inclusive, oldest first (at most 366 days). */
export async function analyticsDays(deps: AnalyticsDeps, from: Day, to: Day): Promise<AnalyticsDay[]> {
  const days = checkDayRange(from, to);
  const day = today(deps);
  const [earnings, red, now] = await Promise.all([
    earningsBetween(deps.readDb, from, to),
    redBetween(deps.readDb, from, to),
    from <= day && day <= to ? redNow(deps.readDb) : Promise.resolve(0),
  ]);
  return fillDays(days, earnings, redOnDays(days, red.before, red.changes), { day, popugsInRed: now });
}

export async function analyticsToday(deps: AnalyticsDeps): Promise<AnalyticsDay> {
  const day = today(deps);
  const [figures] = await analyticsDays(deps, day, day);
  if (!figures) throw new Error('no figures for today');
  return figures;
}

/** The most expensive task completed in the period of the given kind that contains `day` (default today). */
export async function topTask(
  deps: AnalyticsDeps,
  period: Period,
  day: Day | null | undefined,
): Promise<RankedTask | null> {
  return mostExpensiveTask(deps.readDb, period, periodStart(period, day ?? today(deps)));
}
