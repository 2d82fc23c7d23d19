import type { Cents } from '@ates/service-kit';
import type { TaskPrice } from './pricing.ts';

/** Fees and payouts debit (negative amounts); rewards credit. */
export type TransactionKind = 'ASSIGN_FEE' | 'TASK_REWARD' | 'PAYOUT';

export interface TaskFacts {
  taskId: string;
  title: string;
  jiraId: string | null;
}

/** The audit log's description of a task: "[POPUG-42] Feed the parrots", or just the title. */
export const describeTask = (task: { title: string; jiraId: string | null }): string =>
  task.jiraId ? `[${task.jiraId}] ${task.title}` : task.title;

/** A ledger entry about to be applied to a user's account. */
export interface Entry {
  userId: string;
  kind: TransactionKind;
  /** Signed cents: debits are negative. */
  amount: Cents;
  taskId: string | null;
  assignmentNo: number | null;
  /** The event that carries the business fact. */
  eventId: string;
  description: string;
}

/** Every assignment debits the new assignee by the task's fee. */
export function assignFeeEntry(
  task: TaskFacts,
  price: TaskPrice,
  assignment: { assigneeId: string; assignmentNo: number; eventId: string },
): Entry {
  return {
    userId: assignment.assigneeId,
    kind: 'ASSIGN_FEE',
    amount: -price.assignFee,
    taskId: task.taskId,
    assignmentNo: assignment.assignmentNo,
    eventId: assignment.eventId,
    description: describeTask(task),
  };
}

/** Completing a task credits the assignee with its reward. */
export function rewardEntry(
  task: TaskFacts,
  price: TaskPrice,
  completion: { assigneeId: string; eventId: string },
): Entry {
  return {
    userId: completion.assigneeId,
    kind: 'TASK_REWARD',
    amount: price.reward,
    taskId: task.taskId,
    assignmentNo: null,
    eventId: completion.eventId,
    description: describeTask(task),
  };
}
