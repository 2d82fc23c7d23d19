import type { Cents } from '@ates/service-kit';
import type { Day } from './calendar.ts';

/** Positive cents of fees charged and rewards paid on one billing day. */
export interface DayEarnings {
  day: Day;
  feesCharged: Cents;
  rewardsPaid: Cents;
}

export interface AnalyticsDay {
  day: Day;
  /** docs/business-rules.md#fees-rewards-and-balances: −(sum of ASSIGN_FEE and TASK_REWARD amounts of the day) = fees charged − rewards paid. */
  managementEarnings: Cents;
  popugsInRed: number;
}

export const analyticsDay = (earnings: DayEarnings, popugsInRed: number): AnalyticsDay => ({
  day: earnings.day,
  managementEarnings: earnings.feesCharged - earnings.rewardsPaid,
  popugsInRed,
});

/**
 * The count of popugs in red on each of `days`, from the days on which it changed (`changes`,
 * ascending, each holding the count from that day on) and the count before the first of them.
 */
export function redOnDays(
  days: readonly Day[],
  before: number,
  changes: ReadonlyArray<{ day: Day; popugs: number }>,
): number[] {
  let current = before;
  let next = 0;
  return days.map((day) => {
    while (next < changes.length && changes[next]!.day <= day) current = changes[next++]!.popugs;
    return current;
  });
}

/**
 * One entry per day of `days` (ascending); a day without transactions earns zero. Today counts
 * the popugs in red now; a past day, at its end.
 */
export function fillDays(
  days: readonly Day[],
  earnings: readonly DayEarnings[],
  red: readonly number[],
  today: { day: Day; popugsInRed: number },
): AnalyticsDay[] {
  const byDay = new Map(earnings.map((e) => [e.day, e]));
  return days.map((day, i) =>
    analyticsDay(
      byDay.get(day) ?? { day, feesCharged: 0, rewardsPaid: 0 },
      day === today.day ? today.popugsInRed : (red[i] ?? 0),
    ),
  );
}
