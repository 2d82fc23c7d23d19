import { badInput } from '@ates/service-kit';

/** A calendar day, YYYY-MM-DD. */
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

const toUtc = (day: Day) => new Date(`${day}T00:00:00.000Z`);

export function addDays(day: Day, n: number): Day {
  const date = toUtc(day);
  date.setUTCDate(date.getUTCDate() + n);
  return date.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: Day, to: Day): number =>
  Math.round((toUtc(to).getTime() - toUtc(from).getTime()) / 86_400_000);

/**
 * The business day a transaction applied now counts on: the account's open billing day, which
 * is today unless the account's days were closed through today or later (an admin closed today
 * early), in which case it is the day after the last closed one (SPEC → billing days).
 */
export function openDay(today: Day, closedThrough: Day | null): Day {
  if (closedThrough === null || closedThrough < today) return today;
  return addDays(closedThrough, 1);
}

/** The later of two days; null counts as before every day. */
export const laterDay = (a: Day | null, b: Day | null): Day | null =>
  a === null ? b : b === null || a >= b ? a : b;

export const MAX_DASHBOARD_DAYS = 366;

/** A dashboard range: `from` ≤ `to`, at most 366 days; else BAD_USER_INPUT. */
export function checkDayRange(from: Day, to: Day): Day[] {
  const span = daysBetween(from, to);
  if (span < 0) throw badInput('from', '`from` must not be after `to`');
  if (span + 1 > MAX_DASHBOARD_DAYS)
    throw badInput('to', `A range may span at most ${MAX_DASHBOARD_DAYS} days`);
  return Array.from({ length: span + 1 }, (_, i) => addDays(from, i));
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** How far the zone's wall clock is ahead of UTC at `instant`, in ms (whole seconds). */
function zoneOffsetMs(instant: number, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormatters.set(timeZone, f);
  }
  const part = (type: string) => Number(f.formatToParts(instant).find((p) => p.type === type)?.value);
  const wall = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The first instant of `day` in the time zone: its local midnight, or the first moment after
 * it where a DST jump skips midnight.
 */
export function startOfDay(day: Day, timeZone: string): Date {
  const utcMidnight = toUtc(day).getTime();
  let t = utcMidnight - zoneOffsetMs(utcMidnight, timeZone);
  t = utcMidnight - zoneOffsetMs(t, timeZone);
  // Midnight did not exist (or the guess landed on the day before): step forward to the day.
  while (calendarDay(new Date(t), timeZone) < day) t += 15 * 60_000;
  while (calendarDay(new Date(t - 1), timeZone) === day) t -= 15 * 60_000;
  return new Date(t);
}

/** When the business day after the one containing `now` begins. */
export const nextDayStart = (now: Date, timeZone: string): Date =>
  startOfDay(addDays(calendarDay(now, timeZone), 1), timeZone);
