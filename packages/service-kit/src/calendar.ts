import { badInput } from './errors.ts';

/** A calendar day (in the company time zone), YYYY-MM-DD. */
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

/** True when the runtime knows the IANA time zone (e.g. "Europe/Berlin"). */
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
export const dayAsUtcMidnight = (day: Day) => new Date(`${day}T00:00:00.000Z`);

export function addDays(day: Day, n: number): Day {
  const date = dayAsUtcMidnight(day);
  date.setUTCDate(date.getUTCDate() + n);
  return date.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: Day, to: Day): number =>
  Math.round((dayAsUtcMidnight(to).getTime() - dayAsUtcMidnight(from).getTime()) / 86_400_000);

/** The longest range of days a dashboard answers at once. */
export const MAX_RANGE_DAYS = 366;

/** A range of days for a dashboard: `from` ≤ `to`, at most 366 days; else BAD_USER_INPUT. */
export function checkDayRange(from: Day, to: Day): Day[] {
  const span = daysBetween(from, to);
  if (span < 0) throw badInput('from', '`from` must not be after `to`');
  if (span + 1 > MAX_RANGE_DAYS) throw badInput('to', `A range may span at most ${MAX_RANGE_DAYS} days`);
  return Array.from({ length: span + 1 }, (_, i) => addDays(from, i));
}
