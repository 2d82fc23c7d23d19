import { randomUUID } from 'node:crypto';
import { makeEvent } from '@ates/events';

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
