import type { OwnEvent } from '@ates/events';
import { addToBalances } from '../db/account-repository.ts';
import type { AccountingTx } from '../db/db.ts';
import { addRowsToDailyTotals, appendTransactions } from '../db/ledger-repository.ts';
import {
  closeAccountsThrough,
  eventsInOutbox,
  insertBillingDayRecord,
  insertPricedTasks,
  openAccountsWithIds,
  recordPaidPayouts,
  recordPublished,
  recordPendingPayouts,
} from '../db/roll-forward-repository.ts';
import type { TransactionRow } from '../db/schema.ts';
import { payoutIdOf } from '../domain/billing-day.ts';
import type { TransactionKind } from '../domain/ledger.ts';

export type { OwnEvent };

/** What a task event said of a task (with the assignment's number, from a `task.assigned`). */
export interface TaskEventFact {
  taskId: string;
  title: string;
  jiraId: string | null;
  assignmentNo?: number;
}

/**
 * What each task event said, by event id: one fact, or one per assignment of a `task.assigned`
 * v2 (a shuffle's chunk, the cause of many fees).
 */
export type TaskEventFacts = ReadonlyMap<string, readonly TaskEventFact[]>;

/** What the event `eventId` said of the task `taskId`. */
const factOf = (facts: TaskEventFacts, eventId: string | undefined, taskId: string | null) =>
  eventId === undefined ? undefined : facts.get(eventId)?.find((f) => f.taskId === taskId);

export interface RollForwardReport {
  applied: number;
  alreadyHeld: number;
  transactions: number;
}

/**
 * Brings a database restored from a backup forward to what accounting published after it, from
 * its own stream: the events are the record of every decision accounting made (prices drawn,
 * ledger rows with their ids, days and balances, closes, payouts paid), so replaying the task
 * events alone would draw new prices, post into today and close days again. Events the outbox
 * already holds are skipped, so a second run changes nothing; each one applied is recorded in
 * the outbox as published. Afterwards the task consumers replay from the restored inbox's
 * position and find every fact posted (the ledger's unique facts skip them).
 */
export async function rollForwardBatch(
  tx: AccountingTx,
  events: readonly OwnEvent[],
  taskEvents: TaskEventFacts,
): Promise<RollForwardReport> {
  const held = await eventsInOutbox(
    tx,
    events.map((e) => e.envelope.id),
  );
  const fresh = events.filter((e) => !held.has(e.envelope.id));
  const accounts = new Map<string, { id: string; userId: string; createdAt: string }>();
  const priced: Parameters<typeof insertPricedTasks>[1][number][] = [];
  const rows: Omit<TransactionRow, 'seq'>[] = [];
  const paid: Parameters<typeof recordPaidPayouts>[1][number][] = [];
  const closedDays: Parameters<typeof insertBillingDayRecord>[1][] = [];
  for (const { envelope: e } of fresh) {
    if (e.type === 'task.priced' && e.version === 1) {
      const taskId = e.data.taskId;
      const seen =
        factOf(taskEvents, e.causationId, taskId) ??
        [...taskEvents.values()].flat().find((t) => t.taskId === taskId);
      priced.push({
        id: e.data.taskId,
        title: seen?.title ?? '',
        jiraId: seen?.jiraId ?? null,
        assignFee: e.data.assignFee,
        reward: e.data.reward,
        pricedAt: e.data.pricedAt,
      });
    } else if (e.type === 'transaction.applied' && e.version === 1) {
      const d = e.data;
      accounts.set(d.accountId, { id: d.accountId, userId: d.userId, createdAt: d.appliedAt });
      const kind = d.kind as TransactionKind;
      let assignmentNo: number | null = null;
      if (kind === 'ASSIGN_FEE') {
        const cause = factOf(taskEvents, e.causationId, d.taskId);
        if (cause?.assignmentNo === undefined)
          throw new Error(
            `fee ${d.transactionId}: its task.assigned (${e.causationId ?? 'none'}) is not in the task stream's tail`,
          );
        assignmentNo = cause.assignmentNo;
      }
      rows.push({
        id: d.transactionId,
        accountId: d.accountId,
        kind,
        amount: d.amount,
        balanceAfter: d.balanceAfter,
        taskId: d.taskId,
        assignmentNo,
        eventId: kind === 'PAYOUT' ? null : (e.causationId ?? null),
        description: d.description,
        day: d.day,
        createdAt: new Date(d.appliedAt),
      });
    } else if (e.type === 'transaction.applied' && e.version === 2) {
      // A batch: each item is a ledger row in full (its cause and assignment number included).
      for (const d of e.data.transactions) {
        accounts.set(d.accountId, { id: d.accountId, userId: d.userId, createdAt: d.appliedAt });
        rows.push({
          id: d.transactionId,
          accountId: d.accountId,
          kind: d.kind,
          amount: d.amount,
          balanceAfter: d.balanceAfter,
          taskId: d.taskId,
          assignmentNo: d.assignmentNo,
          eventId: d.causationId,
          description: d.description,
          day: d.day,
          createdAt: new Date(d.appliedAt),
        });
      }
    } else if (e.type === 'payout.made' && e.version === 1) {
      paid.push({ ...e.data });
    } else if (e.type === 'payout.made' && e.version === 2) {
      paid.push(...e.data.payouts);
    } else if (e.type === 'billing-day.closed' && e.version === 1) {
      closedDays.push({ ...e.data });
    } else throw new Error(`no roll-forward for ${e.type} v${e.version}`);
  }
  await openAccountsWithIds(tx, [...accounts.values()]);
  await insertPricedTasks(tx, priced);
  const appended = await appendTransactions(tx, rows);
  const deltas = new Map<string, number>();
  for (const row of appended) deltas.set(row.accountId, (deltas.get(row.accountId) ?? 0) + row.amount);
  await addToBalances(tx, deltas);
  await addRowsToDailyTotals(tx, appended);
  const payoutRows = appended.filter((r) => r.kind === 'PAYOUT');
  for (const day of new Set(payoutRows.map((r) => r.day)))
    await closeAccountsThrough(tx, day, {
      accountIds: payoutRows.filter((r) => r.day === day).map((r) => r.accountId),
    });
  await recordPaidPayouts(tx, paid);
  // A close's payout whose payment the stream does not record yet: PENDING again, under the id
  // the close gave it (derived from account and day), so the bank answers a repeat with the
  // payment it may already have made.
  await recordPendingPayouts(
    tx,
    payoutRows.map((r) => ({
      payoutId: payoutIdOf(r.accountId, r.day),
      accountId: r.accountId,
      userId: accounts.get(r.accountId)!.userId,
      day: r.day,
      amount: -r.amount,
      transactionId: r.id,
      createdAt: r.createdAt.toISOString(),
    })),
  );
  for (const day of closedDays) {
    await insertBillingDayRecord(tx, day);
    await closeAccountsThrough(tx, day.day, { openedBy: day.closedAt });
  }
  await recordPublished(tx, events);
  return { applied: fresh.length, alreadyHeld: held.size, transactions: appended.length };
}
