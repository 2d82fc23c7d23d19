import { enqueueEvents } from '@ates/events';
import { addToBalance, lockAccountOfUser, openAccount } from '../db/account-repository.ts';
import type { AccountingTx } from '../db/db.ts';
import { addToDailyTotals, appendTransaction } from '../db/ledger-repository.ts';
import type { TransactionRow } from '../db/schema.ts';
import { latestClosedDay } from '../db/billing-day-repository.ts';
import { calendarDay, laterDay, openDay } from '../domain/business-day.ts';
import type { Entry } from '../domain/ledger.ts';
import { transactionApplied, type Cause } from '../events/accounting-events.ts';
import type { AccountingDeps } from './deps.ts';

/**
 * Applies one ledger entry inside the caller's transaction: the account (opened on first
 * sight) is locked, the row is appended on the account's open billing day (after the account's
 * last closed day and after the last day closed for everyone) with the balance
 * after it, the balance and the day's figures move by the amount, and `transaction.applied`
 * goes to the outbox, all in one commit. A business fact the ledger already holds changes
 * nothing and returns null.
 */
export async function applyEntry(
  tx: AccountingTx,
  deps: AccountingDeps,
  entry: Entry,
  cause: Cause,
): Promise<TransactionRow | null> {
  const now = deps.clock.now();
  await openAccount(tx, entry.userId, now, deps.newId);
  const account = await lockAccountOfUser(tx, entry.userId);
  if (!account) throw new Error(`account of user ${entry.userId} was neither opened nor found`);
  // Read after the lock: a close that finished meanwhile is seen (see closeBillingDay).
  const closedThrough = laterDay(account.closedThrough, await latestClosedDay(tx));
  const row = await appendTransaction(tx, {
    id: deps.newId(),
    accountId: account.id,
    kind: entry.kind,
    amount: entry.amount,
    balanceAfter: account.balance + entry.amount,
    taskId: entry.taskId,
    assignmentNo: entry.assignmentNo,
    eventId: entry.eventId,
    description: entry.description,
    day: openDay(calendarDay(now, deps.timeZone), closedThrough),
    createdAt: now,
  });
  if (!row) {
    deps.logger.info(
      { eventId: entry.eventId, kind: entry.kind, taskId: entry.taskId, assignmentNo: entry.assignmentNo },
      'ledger already holds this fact; nothing applied',
    );
    return null;
  }
  await addToBalance(tx, account.id, entry.amount);
  await addToDailyTotals(tx, row.day, row.kind, row.amount);
  await enqueueEvents(tx, [transactionApplied(row, account, cause)]);
  return row;
}
