/**
 * Money arrives from the API as an exact decimal string with two fraction digits ("-15.00").
 * It is formatted by string manipulation only: no floating point touches a displayed amount.
 * Charts need geometry, so `toCents` turns a value into an exact integer number of cents.
 */

const MONEY = /^([+-])?(\d+)(?:\.(\d{1,2}))?$/;
const MINUS = '\u2212';

interface ParsedMoney {
  negative: boolean;
  units: string;
  cents: string;
}

function parse(value: string): ParsedMoney | null {
  const match = MONEY.exec(value.trim());
  if (!match) return null;
  const units = (match[2] ?? '0').replace(/^0+(?=\d)/, '');
  const cents = (match[3] ?? '').padEnd(2, '0');
  const zero = /^0+$/.test(units) && cents === '00';
  return { negative: match[1] === '-' && !zero, units, cents };
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export type MoneyTone = 'negative' | 'zero' | 'positive';

export function moneyTone(value: string): MoneyTone {
  const parsed = parse(value);
  if (!parsed) return 'zero';
  if (parsed.negative) return 'negative';
  return /^0+$/.test(parsed.units) && parsed.cents === '00' ? 'zero' : 'positive';
}

export interface FormatMoneyOptions {
  /** Show "+" before positive amounts (transactions); balances omit it. */
  signed?: boolean;
}

/** "-1234.5" → "−1,234.50"; unparseable input is returned unchanged rather than hidden. */
export function formatMoney(value: string, options: FormatMoneyOptions = {}): string {
  const parsed = parse(value);
  if (!parsed) return value;
  const body = `${groupThousands(parsed.units)}.${parsed.cents}`;
  if (parsed.negative) return `${MINUS}${body}`;
  if (options.signed && moneyTone(value) === 'positive') return `+${body}`;
  return body;
}

/** Exact integer cents, for chart geometry only; NaN for a malformed value. */
export function toCents(value: string): number {
  const parsed = parse(value);
  if (!parsed) return Number.NaN;
  const cents = Number(parsed.units) * 100 + Number(parsed.cents);
  return parsed.negative ? -cents : cents;
}

/** The inverse of `toCents` for integer cents (chart axis labels). */
export function centsToMoney(cents: number): string {
  const abs = Math.abs(Math.trunc(cents));
  const units = Math.floor(abs / 100);
  const rest = String(abs % 100).padStart(2, '0');
  return `${cents < 0 ? '-' : ''}${units}.${rest}`;
}
