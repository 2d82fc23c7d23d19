import { describe, expect, it } from 'vitest';
import { DomainError } from '@ates/service-kit';
import {
  addDays,
  calendarDay,
  checkDayRange,
  isoWeekStart,
  monthStart,
  periodsOf,
  periodStart,
} from '../src/domain/calendar.ts';

/** `[day, week, month]` of the instant in the time zone. */
const expectPeriods = (instant: string, timeZone: string, [day, week, month]: [string, string, string]) =>
  expect(periodsOf(new Date(instant), timeZone)).toEqual({ day, week, month });

describe('days, ISO weeks and months in the company time zone', () => {
  it('ranks a completion under the day, week and month of its local date in Tokyo (UTC+9)', () => {
    // Sunday 2026-03-01 23:59:59 in Tokyo is still Sunday there, 14:59:59 UTC.
    expectPeriods('2026-03-01T14:59:59.999Z', 'Asia/Tokyo', ['2026-03-01', '2026-02-23', '2026-03-01']);
    // One millisecond later it is Monday 2026-03-02 in Tokyo: a new day and a new ISO week.
    expectPeriods('2026-03-01T15:00:00.000Z', 'Asia/Tokyo', ['2026-03-02', '2026-03-02', '2026-03-01']);
    // The same instant is still Sunday in UTC.
    expect(periodsOf(new Date('2026-03-01T15:00:00.000Z'), 'UTC').week).toBe('2026-02-23');
  });

  it('puts a Los Angeles evening into the local month, which in UTC is already the next one', () => {
    // 2026-03-01T07:59Z is 2026-02-28 23:59 PST.
    expectPeriods('2026-03-01T07:59:00Z', 'America/Los_Angeles', ['2026-02-28', '2026-02-23', '2026-02-01']);
    expect(periodsOf(new Date('2026-03-01T08:00:00Z'), 'America/Los_Angeles').month).toBe('2026-03-01');
  });

  it('follows daylight saving time: the local midnight moves by an hour', () => {
    // Clocks go forward on 2026-03-08 in Los Angeles: midnight of 03-09 is 07:00 UTC, not 08:00.
    expect(calendarDay(new Date('2026-03-09T06:59:59Z'), 'America/Los_Angeles')).toBe('2026-03-08');
    expect(calendarDay(new Date('2026-03-09T07:00:00Z'), 'America/Los_Angeles')).toBe('2026-03-09');
    expect(calendarDay(new Date('2026-03-08T07:59:59Z'), 'America/Los_Angeles')).toBe('2026-03-07');
  });

  it('starts ISO weeks on Monday, across month and year ends', () => {
    expect(isoWeekStart('2026-03-02')).toBe('2026-03-02'); // Monday
    expect(isoWeekStart('2026-03-08')).toBe('2026-03-02'); // Sunday
    expect(isoWeekStart('2026-01-01')).toBe('2025-12-29'); // Thursday: week 1 began in December
    expect(isoWeekStart('2024-03-01')).toBe('2024-02-26'); // leap year
    expect(monthStart('2024-02-29')).toBe('2024-02-01');
  });

  it('names the period containing a day by its first day', () => {
    expect(periodStart('DAY', '2026-03-05')).toBe('2026-03-05');
    expect(periodStart('WEEK', '2026-03-05')).toBe('2026-03-02');
    expect(periodStart('MONTH', '2026-03-05')).toBe('2026-03-01');
  });

  it('accepts ranges of 1 to 366 days from `from` to `to`, else BAD_USER_INPUT naming the field', () => {
    expect(checkDayRange('2026-03-01', '2026-03-01')).toEqual(['2026-03-01']);
    expect(checkDayRange('2026-02-27', '2026-03-02')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
    expect(checkDayRange('2026-01-01', addDays('2026-01-01', 365))).toHaveLength(366);
    const refused = (from: string, to: string) => {
      try {
        checkDayRange(from, to);
      } catch (error) {
        return error instanceof DomainError ? `${error.code} ${error.field}` : 'other';
      }
      return 'accepted';
    };
    expect(refused('2026-03-02', '2026-03-01')).toBe('BAD_USER_INPUT from');
    expect(refused('2026-01-01', addDays('2026-01-01', 366))).toBe('BAD_USER_INPUT to');
  });
});
