import { describe, expect, it } from 'vitest';
import { centsToMoney, formatMoney, moneyTone, toCents } from './money.ts';
import { sumMoney } from './chart-data.ts';

describe('money as it arrives from the API (decimal strings)', () => {
  it('formats with thousands separators and a real minus sign', () => {
    expect(formatMoney('-15.00')).toBe('\u221215.00');
    expect(formatMoney('1234567.50')).toBe('1,234,567.50');
    expect(formatMoney('32.5')).toBe('32.50');
  });

  it('shows "+" on positive transaction amounts only when asked, never on zero', () => {
    expect(formatMoney('20.00', { signed: true })).toBe('+20.00');
    expect(formatMoney('20.00')).toBe('20.00');
    expect(formatMoney('0.00', { signed: true })).toBe('0.00');
    expect(formatMoney('-0.00')).toBe('0.00');
  });

  it('tells the tone from the string without floating point', () => {
    expect(moneyTone('-0.01')).toBe('negative');
    expect(moneyTone('0.00')).toBe('zero');
    expect(moneyTone('-0.00')).toBe('zero');
    expect(moneyTone('0.01')).toBe('positive');
  });

  it('keeps amounts that floats would round wrongly exact', () => {
    expect(toCents('90071992547409.91')).toBe(9007199254740991);
    expect(sumMoney(['0.10', '0.20'])).toBe('0.30');
    expect(sumMoney(['-15.00', '32.50', '-17.49'])).toBe('0.01');
  });

  it('round-trips cents for chart axes', () => {
    expect(centsToMoney(-1500)).toBe('-15.00');
    expect(centsToMoney(5)).toBe('0.05');
    expect(toCents(centsToMoney(-123456))).toBe(-123456);
  });

  it('shows a malformed value as it came rather than hiding it', () => {
    expect(formatMoney('n/a')).toBe('n/a');
    expect(Number.isNaN(toCents('n/a'))).toBe(true);
  });
});
