import type { Cents } from '@ates/service-kit';
import type { Day } from './business-day.ts';

export interface DayTotals {
  day: Day;
  /** Positive cents charged as fees on the day. */
  feesCharged: Cents;
  /** Positive cents paid as rewards on the day. */
  rewardsPaid: Cents;
}

export interface AccountingDay extends DayTotals {
  managementEarnings: Cents;
  closed: boolean;
}

/** docs/business-rules.md#fees-rewards-and-balances: management earnings = −(fees + rewards amounts) = fees charged − rewards paid. */
export const accountingDay = (totals: DayTotals, closed: boolean): AccountingDay => ({
  ...totals,
  managementEarnings: totals.feesCharged - totals.rewardsPaid,
  closed,
});

/** One entry per day of `days`, in order; a day without transactions counts zero. */
export function fillDays(days: readonly Day[], totals: readonly DayTotals[], closed: ReadonlySet<Day>) {
  const byDay = new Map(totals.map((t) => [t.day, t]));
  return days.map((day) =>
    accountingDay(byDay.get(day) ?? { day, feesCharged: 0, rewardsPaid: 0 }, closed.has(day)),
  );
}
