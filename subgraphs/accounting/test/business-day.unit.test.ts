import { describe, expect, it } from 'vitest';
import { DomainError } from '@ates/service-kit';
import {
  addDays,
  calendarDay,
  checkDayRange,
  daysBetween,
  isTimeZone,
  openDay,
} from '../src/domain/business-day.ts';
import { fillDays } from '../src/domain/dashboard.ts';
import { checkPageSize, decodeCursor, encodeCursor } from '../src/domain/cursor.ts';

function codeAndField(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return `${error.code}:${error.field}`;
    throw error;
  }
  return 'ok';
}

describe('business days', () => {
  it('are calendar dates in the company time zone', () => {
    const instant = new Date('2026-03-01T20:30:00Z');
    expect(calendarDay(instant, 'UTC')).toBe('2026-03-01');
    expect(calendarDay(instant, 'Asia/Tokyo')).toBe('2026-03-02');
    expect(calendarDay(new Date('2026-03-01T03:00:00Z'), 'America/New_York')).toBe('2026-02-28');
  });

  it('know the IANA time zones and refuse others', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });

  it('do calendar arithmetic across months, leap days and years', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-01-01', '2027-01-01')).toBe(365);
  });

  it('put a transaction on today while today is open, else on the day after the last closed one', () => {
    expect(openDay('2026-03-02', null)).toBe('2026-03-02');
    expect(openDay('2026-03-02', '2026-03-01')).toBe('2026-03-02');
    // An admin closed today early: later transactions of the calendar day belong to tomorrow.
    expect(openDay('2026-03-02', '2026-03-02')).toBe('2026-03-03');
  });
});

describe('the dashboard range', () => {
  it('lists every day from `from` to `to` inclusive, oldest first, zeros for empty days', () => {
    const days = checkDayRange('2026-02-27', '2026-03-02');
    expect(days).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    const filled = fillDays(days, [{ day: '2026-03-01', feesCharged: 3000, rewardsPaid: 4500 }], new Set());
    expect(filled.map((d) => d.managementEarnings)).toEqual([0, 0, -1500, 0]);
    expect(filled[2]).toEqual({
      day: '2026-03-01',
      feesCharged: 3000,
      rewardsPaid: 4500,
      managementEarnings: -1500,
      closed: false,
    });
  });

  it('allows one day and up to 366 days, and refuses a reversed or longer range with BAD_USER_INPUT', () => {
    expect(checkDayRange('2026-03-01', '2026-03-01')).toEqual(['2026-03-01']);
    expect(checkDayRange('2028-01-01', '2028-12-31')).toHaveLength(366);
    expect(codeAndField(() => checkDayRange('2026-03-02', '2026-03-01'))).toBe('BAD_USER_INPUT:from');
    expect(codeAndField(() => checkDayRange('2026-01-01', '2027-01-02'))).toBe('BAD_USER_INPUT:to');
  });
});

describe('the audit log cursor', () => {
  it('round-trips and refuses garbage and bad page sizes with BAD_USER_INPUT', () => {
    expect(decodeCursor(encodeCursor(12345))).toBe(12345);
    expect(codeAndField(() => decodeCursor('garbage'))).toBe('BAD_USER_INPUT:after');
    expect(codeAndField(() => checkPageSize(0))).toBe('BAD_USER_INPUT:first');
    expect(codeAndField(() => checkPageSize(201))).toBe('BAD_USER_INPUT:first');
  });
});
