import { badInput } from '@ates/service-kit';

/** A calendar day in the company time zone, YYYY-MM-DD. */
export type Day = string;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // en-CA formats as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the IANA time zone (e.g. "Asia/Tokyo"). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The calendar date of an instant in the company time zone. */
export function calendarDay(instant: Date, timeZone: string): Day {
  return formatterFor(timeZone).format(instant);
}

// Day arithmetic is on calendar dates alone (no instants), so daylight saving cannot shift it.
const toUtc = (day: Day) => new Date(`${day}T00:00:00.000Z`);
const fromUtc = (date: Date): Day => date.toISOString().slice(0, 10);

export function addDays(day: Day, n: number): Day {
  const date = toUtc(day);
  date.setUTCDate(date.getUTCDate() + n);
  return fromUtc(date);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: Day, to: Day): number =>
  Math.round((toUtc(to).getTime() - toUtc(from).getTime()) / 86_400_000);

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

export const MAX_RANGE_DAYS = 366;

/** A range of days: `from` ≤ `to`, at most 366 days (as accounting's dashboard); else BAD_USER_INPUT. */
export function checkDayRange(from: Day, to: Day): Day[] {
  const span = daysBetween(from, to);
  if (span < 0) throw badInput('from', '`from` must not be after `to`');
  if (span + 1 > MAX_RANGE_DAYS) throw badInput('to', `A range may span at most ${MAX_RANGE_DAYS} days`);
  return Array.from({ length: span + 1 }, (_, i) => addDays(from, i));
}
