import { enqueueEvents } from '@ates/events';
import {
  lockAccountsToClose,
  recordAccountCloses,
  type AccountCloseRecord,
} from '../db/billing-day-repository.ts';
import type { AccountingTx } from '../db/db.ts';
import { addRowsToDailyTotals } from '../db/ledger-repository.ts';
import type { PayoutRow, TransactionRow } from '../db/schema.ts';
import { accountClose, payoutDescription, payoutIdOf } from '../domain/billing-day.ts';
import type { Day } from '../domain/business-day.ts';
import { transactionsApplied } from '../events/accounting-events.ts';
import type { AccountingDeps } from './deps.ts';

/** What closing a page of accounts did: the accounts, and the payouts to pay once it commits. */
export interface ClosedPage {
  accountIds: string[];
  payouts: PayoutRow[];
}

/**
 * Closes the next page of accounts not yet closed through `day` (up to `limit`, id order after
 * `afterId`), all in the caller's transaction, with set-based SQL under the accounts' row locks
 * (so no transaction of theirs is applied in between): a positive balance at the end of the day
 * becomes a PENDING payout and a PAYOUT ledger row that takes it off the balance (with the day's
 * totals and `transaction.applied`); a negative one is carried over; what happened is recorded
 * for the close's figures; `closed_through` moves to the day. Accounts already closed through
 * the day are not selected, so a resumed close never pays twice. Returns the ids it closed, in
 * id order, and the PENDING payouts it made (payable once the caller's transaction commits).
 */
export async function closeAccountsDay(
  tx: AccountingTx,
  deps: AccountingDeps,
  day: Day,
  page: { afterId: string | null; limit: number },
): Promise<ClosedPage> {
  const accounts = await lockAccountsToClose(tx, day, page.afterId, page.limit);
  if (accounts.length === 0) return { accountIds: [], payouts: [] };
  const now = deps.clock.now();
  const description = payoutDescription(day);
  const records: AccountCloseRecord[] = [];
  const ledgerRows: Omit<TransactionRow, 'seq'>[] = [];
  const payouts: PayoutRow[] = [];
  for (const account of accounts) {
    const outcome = accountClose(account.balance, account.countedAfter);
    if (outcome.kind !== 'payout') {
      const closingBalance = outcome.kind === 'carried-over' ? outcome.closingBalance : 0;
      records.push({ accountId: account.id, closingBalance, payout: null });
      continue;
    }
    const payout = {
      id: payoutIdOf(account.id, day),
      userId: account.userId,
      transactionId: deps.newId(),
      amount: outcome.amount,
      balanceAfter: account.balance - outcome.amount,
    };
    records.push({ accountId: account.id, closingBalance: outcome.closingBalance, payout });
    ledgerRows.push({
      id: payout.transactionId,
      accountId: account.id,
      kind: 'PAYOUT',
      amount: -payout.amount,
      balanceAfter: payout.balanceAfter,
      taskId: null,
      assignmentNo: null,
      eventId: null,
      description,
      day,
      createdAt: now,
    });
    payouts.push({
      id: payout.id,
      accountId: account.id,
      userId: account.userId,
      day,
      amount: payout.amount,
      transactionId: payout.transactionId,
      status: 'PENDING',
      attempts: 0,
      lastError: null,
      nextAttemptAt: now,
      paidAt: null,
      providerPaymentId: null,
      createdAt: now,
    });
  }
  // Independent statements, sent together: postgres.js pipelines them on the transaction's
  // connection, so Postgres works on one while Node builds and validates the next.
  const byId = new Map(accounts.map((a) => [a.id, a]));
  await Promise.all([
    recordAccountCloses(tx, { day, at: now, description }, records),
    enqueueEvents(
      tx,
      transactionsApplied(ledgerRows.map((row) => ({ ...row, userId: byId.get(row.accountId)!.userId }))),
    ),
    addRowsToDailyTotals(tx, ledgerRows),
  ]);
  return { accountIds: accounts.map((a) => a.id), payouts };
}
