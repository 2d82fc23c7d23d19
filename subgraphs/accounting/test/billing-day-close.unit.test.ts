import { describe, expect, it } from 'vitest';
import { DomainError } from '@ates/service-kit';
import { v5 as uuidV5 } from 'uuid';
import {
  accountClose,
  checkDayToClose,
  daysToClose,
  PAYOUT_ID_NAMESPACE,
  payoutIdOf,
} from '../src/domain/billing-day.ts';
import { calendarDay, laterDay, nextDayStart, startOfDay } from '../src/domain/business-day.ts';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof DomainError) return `${error.code}:${error.field}`;
    throw error;
  }
};

describe('closing a billing day', () => {
  it('accepts today (closing early) and earlier days, and refuses a day that has not begun', () => {
    expect(codeOf(() => checkDayToClose('2026-11-24', '2026-11-24'))).toBe('ok');
    expect(codeOf(() => checkDayToClose('2026-11-01', '2026-11-24'))).toBe('ok');
    expect(codeOf(() => checkDayToClose('2026-11-25', '2026-11-24'))).toBe('BAD_USER_INPUT:day');
  });

  it("refuses a day before the company's first business day", () => {
    expect(codeOf(() => checkDayToClose('1900-01-01', '2026-11-24'))).toBe('BAD_USER_INPUT:day');
    expect(codeOf(() => checkDayToClose('2026-03-01', '2026-11-24', '2026-03-02'))).toBe(
      'BAD_USER_INPUT:day',
    );
    expect(codeOf(() => checkDayToClose('2026-03-02', '2026-11-24', '2026-03-02'))).toBe('ok');
  });

  it('pays out a positive balance in full, carries a negative one over and leaves zero alone', () => {
    expect(accountClose(4_250, 0)).toEqual({ kind: 'payout', closingBalance: 4_250, amount: 4_250 });
    expect(accountClose(-1_500, 0)).toEqual({ kind: 'carried-over', closingBalance: -1_500 });
    expect(accountClose(0, 0)).toEqual({ kind: 'nothing' });
  });

  it('pays the balance at the end of the day, not what later days already added or took', () => {
    // Closed late: 10.00 counted on the next day is not the closed day's money.
    expect(accountClose(3_000, 1_000)).toMatchObject({ kind: 'payout', amount: 2_000 });
    // The next day's fees made the balance negative, but the closed day ended in plus.
    expect(accountClose(-500, -2_500)).toMatchObject({ kind: 'payout', amount: 2_000 });
    expect(accountClose(1_000, 1_500)).toEqual({ kind: 'carried-over', closingBalance: -500 });
  });
});

describe('the days the payout worker closes', () => {
  it('is yesterday after a normal night, and nothing once it is closed', () => {
    expect(daysToClose('2026-11-25', '2026-11-23', '2026-11-01')).toEqual(['2026-11-24']);
    expect(daysToClose('2026-11-25', '2026-11-24', '2026-11-01')).toEqual([]);
  });

  it('is every missed day in order after downtime', () => {
    expect(daysToClose('2026-11-25', '2026-11-21', null)).toEqual(['2026-11-22', '2026-11-23', '2026-11-24']);
  });

  it('starts at the first day with transactions when no day was ever closed, and not before', () => {
    expect(daysToClose('2026-11-25', null, '2026-11-23')).toEqual(['2026-11-23', '2026-11-24']);
    expect(daysToClose('2026-11-25', null, '2026-11-25')).toEqual([]);
    expect(daysToClose('2026-11-25', null, null)).toEqual([]);
  });

  it('skips nothing when an admin closed today early, and never closes today itself', () => {
    expect(daysToClose('2026-11-25', '2026-11-25', null)).toEqual([]);
    expect(daysToClose('2026-11-26', '2026-11-25', null)).toEqual([]);
  });
});

describe('business-day boundaries', () => {
  it('find local midnight in the company time zone', () => {
    expect(startOfDay('2026-11-24', 'UTC').toISOString()).toBe('2026-11-24T00:00:00.000Z');
    expect(startOfDay('2026-11-24', 'Europe/Berlin').toISOString()).toBe('2026-11-23T23:00:00.000Z');
    expect(startOfDay('2026-07-01', 'Europe/Berlin').toISOString()).toBe('2026-06-30T22:00:00.000Z');
    expect(startOfDay('2026-11-24', 'Asia/Kathmandu').toISOString()).toBe('2026-11-23T18:15:00.000Z');
    expect(startOfDay('2026-11-24', 'America/New_York').toISOString()).toBe('2026-11-24T05:00:00.000Z');
  });

  it('handle days whose midnight a DST change skips', () => {
    // Chile moves clocks from 00:00 to 01:00 on the first Sunday of September.
    const start = startOfDay('2026-09-06', 'America/Santiago');
    expect(calendarDay(start, 'America/Santiago')).toBe('2026-09-06');
    expect(calendarDay(new Date(start.getTime() - 1), 'America/Santiago')).toBe('2026-09-05');
  });

  it('tell when the next business day starts', () => {
    const now = new Date('2026-11-24T22:59:59Z');
    expect(nextDayStart(now, 'Europe/Berlin').toISOString()).toBe('2026-11-24T23:00:00.000Z');
    expect(nextDayStart(now, 'UTC').toISOString()).toBe('2026-11-25T00:00:00.000Z');
  });

  it('take the later of two closed-through days', () => {
    expect(laterDay(null, null)).toBeNull();
    expect(laterDay('2026-11-24', null)).toBe('2026-11-24');
    expect(laterDay(null, '2026-11-24')).toBe('2026-11-24');
    expect(laterDay('2026-11-23', '2026-11-24')).toBe('2026-11-24');
  });
});

describe('a payout id (the bank’s idempotency key)', () => {
  it('is the same for an account and day however often the day is closed, and differs otherwise', () => {
    const account = '0b6c6c49-5d3c-4d8e-9a62-6f0f2b3c1d11';
    const other = '7f1e2d3c-4b5a-4968-8776-655443322110';
    const id = payoutIdOf(account, '2026-11-24');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(payoutIdOf(account, '2026-11-24')).toBe(id);
    expect(payoutIdOf(account, '2026-11-25')).not.toBe(id);
    expect(payoutIdOf(other, '2026-11-24')).not.toBe(id);
  });

  it('is the RFC 9562 UUID v5 of account/day in the payout namespace (ids made before stay valid)', () => {
    for (const [account, day] of [
      ['0b6c6c49-5d3c-4d8e-9a62-6f0f2b3c1d11', '2026-11-24'],
      ['7f1e2d3c-4b5a-4968-8776-655443322110', '2027-01-01'],
    ] as const)
      expect(payoutIdOf(account, day)).toBe(uuidV5(`${account}/${day}`, PAYOUT_ID_NAMESPACE));
  });
});
