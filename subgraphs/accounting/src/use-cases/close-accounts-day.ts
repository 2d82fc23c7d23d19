import { enqueueEvents } from '@ates/events';
import {
  lockAccountsToClose,
  markAccountsClosed,
  recordAccountCloses,
} from '../db/billing-day-repository.ts';
import type { AccountingTx } from '../db/db.ts';
import { addRowsToDailyTotals, appendTransactions } from '../db/ledger-repository.ts';
import { insertPayouts } from '../db/payout-repository.ts';
import type { TransactionRow } from '../db/schema.ts';
import { accountClose, payoutDescription } from '../domain/billing-day.ts';
import type { Day } from '../domain/business-day.ts';
import { transactionApplied } from '../events/accounting-events.ts';
import type { AccountingDeps } from './deps.ts';

/**
 * Closes the next page of accounts not yet closed through `day` (up to `limit`, id order after
 * `afterId`), all in the caller's transaction, with set-based SQL under the accounts' row locks
 * (so no transaction of theirs is applied in between): a positive balance at the end of the day
 * becomes a PENDING payout and a PAYOUT ledger row that takes it off the balance (with the day's
 * totals and `transaction.applied`); a negative one is carried over; what happened is recorded
 * for the close's figures; `closed_through` moves to the day. Accounts already closed through
 * the day are not selected, so a resumed close never pays twice. Returns the ids it closed.
 */
export async function closeAccountsDay(
  tx: AccountingTx,
  deps: AccountingDeps,
  day: Day,
  page: { afterId: string | null; limit: number },
): Promise<string[]> {
  const accounts = await lockAccountsToClose(tx, day, page.afterId, page.limit);
  if (accounts.length === 0) return [];
  const now = deps.clock.now();
  const ledgerRows: Omit<TransactionRow, 'seq'>[] = [];
  const payouts: Parameters<typeof insertPayouts>[1][number][] = [];
  const closes: Parameters<typeof recordAccountCloses>[1][number][] = [];
  const moves: { id: string; delta: number }[] = [];
  for (const account of accounts) {
    const outcome = accountClose(account.balance, account.countedAfter);
    let payoutId: string | null = null;
    if (outcome.kind === 'payout') {
      const transactionId = deps.newId();
      payoutId = deps.newId();
      ledgerRows.push({
        id: transactionId,
        accountId: account.id,
        kind: 'PAYOUT',
        amount: -outcome.amount,
        balanceAfter: account.balance - outcome.amount,
        taskId: null,
        assignmentNo: null,
        eventId: null,
        description: payoutDescription(day),
        day,
        createdAt: now,
      });
      payouts.push({
        id: payoutId,
        accountId: account.id,
        userId: account.userId,
        day,
        amount: outcome.amount,
        transactionId,
        status: 'PENDING',
        nextAttemptAt: now,
        createdAt: now,
      });
    }
    if (outcome.kind !== 'nothing')
      closes.push({ day, accountId: account.id, closingBalance: outcome.closingBalance, payoutId });
    moves.push({ id: account.id, delta: outcome.kind === 'payout' ? -outcome.amount : 0 });
  }
  // Independent statements, sent together: postgres.js pipelines them on the transaction's
  // connection, so Postgres works on one while Node builds and validates the next.
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const appended = appendTransactions(tx, ledgerRows);
  await Promise.all([
    appended,
    insertPayouts(tx, payouts),
    markAccountsClosed(tx, day, moves),
    recordAccountCloses(tx, closes),
    appended.then((rows) => addRowsToDailyTotals(tx, rows)),
    appended.then((rows) =>
      enqueueEvents(
        tx,
        rows.map((row) =>
          transactionApplied(row, { id: row.accountId, userId: byId.get(row.accountId)!.userId }, null),
        ),
      ),
    ),
  ]);
  return accounts.map((a) => a.id);
}
