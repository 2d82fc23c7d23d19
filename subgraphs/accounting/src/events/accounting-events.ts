import { makeEvent } from '@ates/events';
import type { AccountRow, PricedTaskRow, TransactionRow } from '../db/schema.ts';
import { PRODUCER } from '../use-cases/deps.ts';

/** The event that caused a change: its id becomes the causation id of what accounting publishes. */
export interface Cause {
  eventId: string;
  correlationId?: string;
}

/** The events accounting publishes, built from its rows: one place for their shapes. */

export const transactionApplied = (
  row: TransactionRow,
  account: Pick<AccountRow, 'id' | 'userId'>,
  cause: Cause,
) =>
  makeEvent({
    type: 'transaction.applied',
    version: 1,
    producer: PRODUCER,
    aggregateId: account.id,
    occurredAt: row.createdAt,
    correlationId: cause.correlationId,
    causationId: cause.eventId,
    data: {
      transactionId: row.id,
      accountId: account.id,
      userId: account.userId,
      kind: row.kind,
      amount: row.amount,
      taskId: row.taskId,
      day: row.day,
      balanceAfter: row.balanceAfter,
      description: row.description,
      appliedAt: row.createdAt.toISOString(),
    },
  });

export const taskPriced = (task: PricedTaskRow, cause: Cause) =>
  makeEvent({
    type: 'task.priced',
    version: 1,
    producer: PRODUCER,
    aggregateId: task.id,
    occurredAt: task.pricedAt,
    correlationId: cause.correlationId,
    causationId: cause.eventId,
    data: {
      taskId: task.id,
      assignFee: task.assignFee,
      reward: task.reward,
      pricedAt: task.pricedAt.toISOString(),
    },
  });
