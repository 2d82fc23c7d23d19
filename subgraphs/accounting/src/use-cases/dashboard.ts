import { latestClosedDay } from '../db/billing-day-repository.ts';
import { totalsBetween } from '../db/ledger-repository.ts';
import { calendarDay, checkDayRange, type Day } from '../domain/business-day.ts';
import { fillDays, type AccountingDay } from '../domain/dashboard.ts';
import type { AccountingDeps } from './deps.ts';

/** Today's calendar date in the company time zone. */
export const today = (deps: AccountingDeps): Day => calendarDay(deps.clock.now(), deps.timeZone);

/**
 * The accounting figures of each day from `from` to `to` inclusive, oldest first, read from
 * the per-day totals (never the ledger); days without transactions count zero.
 */
export async function accountingDays(deps: AccountingDeps, from: Day, to: Day): Promise<AccountingDay[]> {
  const days = checkDayRange(from, to);
  const [totals, latest] = await Promise.all([totalsBetween(deps.db, from, to), latestClosedDay(deps.db)]);
  // Closing a day closes every account's earlier open days too: all days up to the latest are closed.
  const closed = new Set(latest ? days.filter((d) => d <= latest) : []);
  return fillDays(days, totals, closed);
}

export async function accountingToday(deps: AccountingDeps): Promise<AccountingDay> {
  const day = today(deps);
  const [figures] = await accountingDays(deps, day, day);
  if (!figures) throw new Error('no figures for today');
  return figures;
}
