import { describe, expect, it } from 'vitest';
import { formatMoney, parseMoney } from '../src/money.ts';
import { isCalendarDate } from '../src/scalars.ts';

describe('money', () => {
  it('formats integer cents with two fraction digits and a sign', () => {
    expect(formatMoney(-1500)).toBe('-15.00');
    expect(formatMoney(3250)).toBe('32.50');
    expect(formatMoney(5)).toBe('0.05');
    expect(formatMoney(-5)).toBe('-0.05');
    expect(formatMoney(0)).toBe('0.00');
  });

  it('stays exact where floating point drifts', () => {
    // 0.1 + 0.2 !== 0.3 in floats; in cents it is 10 + 20 = 30.
    const cents = [parseMoney('0.10'), parseMoney('0.20')].reduce((a, b) => a + b, 0);
    expect(formatMoney(cents)).toBe('0.30');
    const many = Array.from({ length: 1000 }, () => parseMoney('10.01')).reduce((a, b) => a + b, 0);
    expect(formatMoney(many)).toBe('10010.00');
  });

  it('parses decimal strings and refuses anything else', () => {
    expect(parseMoney('12')).toBe(1200);
    expect(parseMoney('12.3')).toBe(1230);
    expect(parseMoney('-0.01')).toBe(-1);
    for (const bad of ['1.234', '1e3', 'abc', '', '--1', '1.'])
      expect(() => parseMoney(bad)).toThrow(RangeError);
  });

  it('refuses non-integer cents', () => {
    expect(() => formatMoney(1.5)).toThrow(RangeError);
  });
});

describe('calendar dates', () => {
  it('accepts real dates only', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(isCalendarDate('2026-2-3')).toBe(false);
  });
});
