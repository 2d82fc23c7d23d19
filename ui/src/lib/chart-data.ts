import type { BarDatum } from '../components/bar-chart.tsx';
import { formatShortDay } from './dates.ts';
import { centsToMoney, formatMoney, toCents } from './money.ts';

/** Per-day money values as bars (geometry in exact cents, labels from the original strings). */
export function moneyBars<T extends { day: string }>(days: T[], pick: (d: T) => string): BarDatum[] {
  return days.map((d) => ({
    key: d.day,
    label: formatShortDay(d.day),
    value: toCents(pick(d)),
    valueLabel: formatMoney(pick(d)),
  }));
}

export function countBars<T extends { day: string }>(days: T[], pick: (d: T) => number): BarDatum[] {
  return days.map((d) => ({
    key: d.day,
    label: formatShortDay(d.day),
    value: pick(d),
    valueLabel: String(pick(d)),
  }));
}

export const moneyTick = (cents: number) => formatMoney(centsToMoney(cents));
export const countTick = (n: number) => String(n);

/** Replaces the entry of the same day with live figures (today's bar moves with the cards). */
export function withLiveDay<T extends { day: string }>(
  days: T[],
  live: (Partial<T> & { day: string }) | null | undefined,
): T[] {
  if (!live) return days;
  return days.map((d) => (d.day === live.day ? { ...d, ...live } : d));
}

/** Exact sum of money strings, through integer cents. */
export function sumMoney(values: string[]): string {
  return centsToMoney(values.reduce((acc, v) => acc + toCents(v), 0));
}
