import DataLoader from 'dataloader';
import { figuresBetween } from '../db/figures-repository.ts';
import { mostExpensiveTasks, type PeriodKey } from '../db/task-repository.ts';
import { calendarDay, checkDayRange, periodStart, type Day, type Period } from '../domain/calendar.ts';
import type { RankedTask } from '../domain/expensive-task.ts';
import { fillDays, redOnDays, type AnalyticsDay } from '../domain/figures.ts';
import type { AnalyticsDeps } from './deps.ts';

// Every query reads a handful of pre-aggregated rows through indexes, in one round trip: its
// cost does not grow with the number of transactions or tasks (bench/analytics).

/** Today's calendar date in the company time zone. */
export const today = (deps: AnalyticsDeps): Day => calendarDay(deps.clock.now(), deps.timeZone);

/** Each day from `from` to `to` inclusive, oldest first (at most 366 days). */
export async function analyticsDays(deps: AnalyticsDeps, from: Day, to: Day): Promise<AnalyticsDay[]> {
  const days = checkDayRange(from, to);
  const figures = await figuresBetween(deps.readDb, from, to);
  return fillDays(days, figures.earnings, redOnDays(days, figures.redBefore, figures.redChanges), {
    day: today(deps),
    popugsInRed: figures.redNow,
  });
}

export async function analyticsToday(deps: AnalyticsDeps): Promise<AnalyticsDay> {
  const day = today(deps);
  const [figures] = await analyticsDays(deps, day, day);
  if (!figures) throw new Error('no figures for today');
  return figures;
}

/** The period of the given kind that contains `day` (default today). */
export const periodOf = (deps: AnalyticsDeps, period: Period, day: Day | null | undefined): PeriodKey => ({
  period,
  start: periodStart(period, day ?? today(deps)),
});

/** The most expensive task completed in the period of the given kind that contains `day` (default today). */
export async function topTask(
  deps: AnalyticsDeps,
  period: Period,
  day: Day | null | undefined,
): Promise<RankedTask | null> {
  const [top] = await mostExpensiveTasks(deps.readDb, [periodOf(deps, period, day)]);
  return top ?? null;
}

/** Batches the periods one operation asks about (a dashboard asks for three) into one query. */
export const topTaskLoader = (deps: AnalyticsDeps) =>
  new DataLoader<PeriodKey, RankedTask | null, string>((keys) => mostExpensiveTasks(deps.readDb, keys), {
    cacheKeyFn: (key) => `${key.period}:${key.start}`,
  });
