import { addDays, calendarDay, dayAsUtcMidnight as toUtc, type Day } from '@ates/service-kit';

// Calendar arithmetic is shared (service-kit); what follows is analytics' own periods.
export {
  addDays,
  calendarDay,
  checkDayRange,
  daysBetween,
  isTimeZone,
  MAX_RANGE_DAYS,
  type Day,
} from '@ates/service-kit';

/** The Monday of the ISO week (Monday to Sunday) that contains `day`. */
export function isoWeekStart(day: Day): Day {
  const weekday = toUtc(day).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/** The first day of the month that contains `day`. */
export const monthStart = (day: Day): Day => `${day.slice(0, 7)}-01`;

export type Period = 'DAY' | 'WEEK' | 'MONTH';

/**
 * The period of the given kind that contains `day`, named by its first day: the day itself,
 * the Monday of its ISO week, or the first of its month.
 */
export function periodStart(period: Period, day: Day): Day {
  if (period === 'DAY') return day;
  if (period === 'WEEK') return isoWeekStart(day);
  return monthStart(day);
}

/** The keys under which a task completed at `instant` is ranked: its day, week and month there. */
export function periodsOf(instant: Date, timeZone: string): { day: Day; week: Day; month: Day } {
  const day = calendarDay(instant, timeZone);
  return { day, week: isoWeekStart(day), month: monthStart(day) };
}
