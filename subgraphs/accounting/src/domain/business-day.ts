import { addDays, dayAsUtcMidnight as toUtc, calendarDay, MAX_RANGE_DAYS, type Day } from '@ates/service-kit';

// Calendar arithmetic is shared (service-kit); what follows is accounting's own.
export { addDays, calendarDay, checkDayRange, daysBetween, isTimeZone, type Day } from '@ates/service-kit';

/**
 * The business day a transaction applied now counts on: the account's open billing day, which
 * is today unless the account's days were closed through today or later (an admin closed today
 * early), in which case it is the day after the last closed one (docs/business-rules.md#the-billing-day).
 */
export function openDay(today: Day, closedThrough: Day | null): Day {
  if (closedThrough === null || closedThrough < today) return today;
  return addDays(closedThrough, 1);
}

/** The later of two days; null counts as before every day. */
export const laterDay = (a: Day | null, b: Day | null): Day | null =>
  a === null ? b : b === null || a >= b ? a : b;

export const MAX_DASHBOARD_DAYS = MAX_RANGE_DAYS;

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
