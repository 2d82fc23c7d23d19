import { enqueueEvents } from '@ates/events';
import { addToBalance, lockAccount } from '../db/account-repository.ts';
import { markClosedThrough, recordAccountClose, sumCountedAfter } from '../db/billing-day-repository.ts';
import type { AccountingTx } from '../db/db.ts';
import { addToDailyTotals, appendTransaction } from '../db/ledger-repository.ts';
import { insertPayout } from '../db/payout-repository.ts';
import { accountClose, payoutDescription, type AccountClose } from '../domain/billing-day.ts';
import type { Day } from '../domain/business-day.ts';
import { transactionApplied } from '../events/accounting-events.ts';
import type { AccountingDeps } from './deps.ts';

export type AccountCloseResult = AccountClose | { kind: 'already-closed' };

/**
 * Closes one account through `day`, all in the caller's transaction, under the account's row
 * lock (so no transaction of the account is applied in between): a positive balance at the end
 * of the day becomes a PENDING payout and a PAYOUT ledger row that takes it off the balance (with
 * the day's totals and `transaction.applied`); a negative one is carried over; what happened is
 * recorded for the close's figures; `closed_through` moves to the day. An account already closed
 * through the day is left alone, so a resumed close never pays twice.
 */
export async function closeAccountDay(
  tx: AccountingTx,
  deps: AccountingDeps,
  accountId: string,
  day: Day,
): Promise<AccountCloseResult> {
  const account = await lockAccount(tx, accountId);
  if (!account) throw new Error(`account ${accountId} vanished`);
  if (account.closedThrough !== null && account.closedThrough >= day) return { kind: 'already-closed' };
  const outcome = accountClose(account.balance, await sumCountedAfter(tx, accountId, day));
  let payoutId: string | null = null;
  if (outcome.kind === 'payout') {
    const now = deps.clock.now();
    const row = await appendTransaction(tx, {
      id: deps.newId(),
      accountId,
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
    if (!row) throw new Error(`payout transaction of account ${accountId} was not appended`);
    payoutId = deps.newId();
    await insertPayout(tx, {
      id: payoutId,
      accountId,
      userId: account.userId,
      day,
      amount: outcome.amount,
      transactionId: row.id,
      status: 'PENDING',
      nextAttemptAt: now,
      createdAt: now,
    });
    await addToBalance(tx, accountId, -outcome.amount);
    await addToDailyTotals(tx, day, 'PAYOUT', -outcome.amount);
    await enqueueEvents(tx, [transactionApplied(row, account, null)]);
  }
  if (outcome.kind !== 'nothing')
    await recordAccountClose(tx, { day, accountId, closingBalance: outcome.closingBalance, payoutId });
  await markClosedThrough(tx, accountId, day);
  return outcome;
}
