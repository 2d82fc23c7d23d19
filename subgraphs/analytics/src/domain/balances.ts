import type { Cents } from '@ates/service-kit';
import type { Day } from './calendar.ts';

/**
 * An account's balance at the end of `day`. Rows exist only for days on which the account had
 * transactions (by their billing day); its balance at the end of any day is the one of its
 * latest row on or before that day, and its current balance is its last row's.
 */
export interface BalanceRow {
  day: Day;
  balance: Cents;
}

/**
 * A change of the number of popugs in red by `delta` on every day from `from` up to, not
 * including, `to` (null: on every later day too, and now).
 */
export interface RedChange {
  from: Day;
  to: Day | null;
  delta: 1 | -1;
}

export interface BalanceChange {
  /** The account's rows from `day` on after the transaction, ascending. */
  rows: BalanceRow[];
  /** How the count of popugs in red changes because of it. */
  red: RedChange[];
}

/**
 * How the count in red changes when a transaction of `amount` moved an account's rows from its
 * day on to `rows` (ascending; each held `balance − amount` before, the first one too, made
 * from the previous row if it is new): each row whose sign changed moves the count on the days
 * it covers, up to the next row (the last one: from then on, and now).
 */
export function redChanges(rows: readonly BalanceRow[], amount: Cents): RedChange[] {
  const red: RedChange[] = [];
  rows.forEach((row, i) => {
    const wasRed = row.balance - amount < 0;
    const isRed = row.balance < 0;
    if (wasRed === isRed) return;
    const change: RedChange = { from: row.day, to: rows[i + 1]?.day ?? null, delta: isRed ? 1 : -1 };
    // Adjacent rows that flip the same way make one range.
    const last = red.at(-1);
    if (last && last.to === change.from && last.delta === change.delta) last.to = change.to;
    else red.push(change);
  });
  return red;
}

/**
 * A transaction of `amount` counting on `day`, applied to an account whose latest row before
 * `day` ends at `before` (0 for none) and whose rows from `day` on are `later` (ascending):
 * the row of `day` (made from `before` if missing) and every later row move by `amount`.
 * Transactions arrive in any order (a late one for a past day too), and the result does not
 * depend on their order. (The repository does this in one statement and calls `redChanges`.)
 */
export function applyTransaction(
  before: Cents,
  later: readonly BalanceRow[],
  day: Day,
  amount: Cents,
): BalanceChange {
  const old = later[0]?.day === day ? [...later] : [{ day, balance: before }, ...later];
  const rows = old.map((r) => ({ day: r.day, balance: r.balance + amount }));
  return { rows, red: redChanges(rows, amount) };
}
