import { randomUUID } from 'node:crypto';
import { makeEvent, type EnvelopeOf } from '@ates/events';

/** Crafted events the analytics projection consumes, for its integration tests. */

export const transactionApplied = (
  accountId: string,
  kind: 'ASSIGN_FEE' | 'TASK_REWARD' | 'PAYOUT',
  amount: number,
  day: string,
  taskId: string | null = null,
) =>
  makeEvent({
    type: 'transaction.applied',
    version: 1,
    producer: 'accounting',
    aggregateId: accountId,
    data: {
      transactionId: randomUUID(),
      accountId,
      userId: accountId,
      kind,
      amount,
      taskId,
      day,
      // Not used by analytics: balances are sums of amounts, whatever the arrival order.
      balanceAfter: 0,
      description: 'crafted',
      appliedAt: `${day}T12:00:00.000Z`,
    },
  });

export const taskPriced = (taskId: string, reward: number, pricedAt = new Date().toISOString()) =>
  makeEvent({
    type: 'task.priced',
    version: 1,
    producer: 'accounting',
    aggregateId: taskId,
    data: { taskId, assignFee: 1000, reward, pricedAt },
  });

export const taskCompleted = (taskId: string, completedAt: string, title = 'Crafted') =>
  makeEvent({
    type: 'task.completed',
    version: 1,
    producer: 'tasks',
    aggregateId: taskId,
    data: { taskId, assigneeId: randomUUID(), completedAt, title, jiraId: null },
  });

/**
 * `transaction.applied` v2: the transactions of the given v1 events in one batch event, as
 * accounting announces a consumer batch (each item a v1 event's data, with its cause).
 */
export const transactionsApplied = (events: readonly EnvelopeOf<'transaction.applied'>[]) =>
  makeEvent({
    type: 'transaction.applied',
    version: 2,
    producer: 'accounting',
    aggregateId: 'ledger',
    data: {
      transactions: events.map((e) => {
        if (e.version !== 1) throw new Error('only v1 events are merged');
        return { ...e.data, assignmentNo: null, causationId: null };
      }),
    },
  });
