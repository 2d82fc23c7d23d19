import { enqueueEvents } from '@ates/events';
import { addToBalances, lockAccountsOfUsers } from '../db/account-repository.ts';
import { latestClosedDay } from '../db/billing-day-repository.ts';
import type { AccountingTx } from '../db/db.ts';
import { addRowsToDailyTotals, appendTransactions, recordedFacts } from '../db/ledger-repository.ts';
import type { TransactionRow } from '../db/schema.ts';
import { calendarDay, laterDay, openDay } from '../domain/business-day.ts';
import { planPostings, type Entry } from '../domain/ledger.ts';
import { transactionsApplied, type Cause } from '../events/accounting-events.ts';
import type { AccountingDeps } from './deps.ts';

/**
 * Posts ledger entries in the caller's transaction, with set-based SQL and the same outcome as
 * posting them one at a time in order: the accounts (which the caller has opened) are locked
 * once, in id order; facts the ledger already holds, or that an earlier entry of the batch
 * records, are skipped; the rows go in with one multi-row insert (each with its running balance after it), each account's
 * balance moves once, the rows are announced by one `transaction.applied` v2 (per 500 rows) in the
 * outbox, and the day's figures move
 * once per day, last (their row is shared by every batch: it stays locked only until the commit),
 * all in the caller's transaction. A fact appended by a concurrent transaction between
 * the check and the insert violates a unique index: the batch fails and is redone event by event.
 */
export async function applyEntries(
  tx: AccountingTx,
  deps: AccountingDeps,
  items: readonly { entry: Entry; cause: Cause }[],
): Promise<TransactionRow[]> {
  if (items.length === 0) return [];
  const now = deps.clock.now();
  const locked = await lockAccountsOfUsers(
    tx,
    items.map((i) => i.entry.userId),
  );
  const accounts = new Map(locked.map((a) => [a.userId, a]));
  const taskOf = (kind: Entry['kind']) =>
    items.flatMap(({ entry }) => (entry.kind === kind && entry.taskId ? [entry.taskId] : []));
  // Both read after the locks (a close or a posting that finished meanwhile is seen, see
  // closeBillingDay), together: neither needs the other's answer.
  const [lastClosed, facts] = await Promise.all([
    latestClosedDay(tx),
    recordedFacts(tx, { fees: taskOf('ASSIGN_FEE'), rewards: taskOf('TASK_REWARD') }),
  ]);
  const { postings, skipped, deltas } = planPostings(items, accounts, facts);
  for (const { entry } of skipped) {
    deps.logger.info(
      { eventId: entry.eventId, kind: entry.kind, taskId: entry.taskId, assignmentNo: entry.assignmentNo },
      'ledger already holds this fact; nothing applied',
    );
  }
  const today = calendarDay(now, deps.timeZone);
  const byAccount = new Map(locked.map((a) => [a.id, a]));
  const rows = await appendTransactions(
    tx,
    postings.map(({ item: { entry }, accountId, balanceAfter }) => ({
      id: deps.newId(),
      accountId,
      kind: entry.kind,
      amount: entry.amount,
      balanceAfter,
      taskId: entry.taskId,
      assignmentNo: entry.assignmentNo,
      eventId: entry.eventId,
      description: entry.description,
      day: openDay(today, laterDay(byAccount.get(accountId)?.closedThrough ?? null, lastClosed)),
      createdAt: now,
    })),
  );
  const causes = new Set(postings.map((p) => p.item.cause.eventId));
  const userOf = new Map(locked.map((a) => [a.id, a.userId]));
  // Independent statements, sent together (postgres.js pipelines them on the connection).
  await Promise.all([
    addToBalances(tx, deltas),
    enqueueEvents(
      tx,
      transactionsApplied(
        rows.map((row) => ({ ...row, userId: userOf.get(row.accountId)! })),
        causes.size === 1 ? postings[0]!.item.cause : undefined,
      ),
    ),
    addRowsToDailyTotals(tx, rows),
  ]);
  return rows;
}
