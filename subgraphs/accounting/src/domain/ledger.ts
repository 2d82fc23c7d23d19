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

/**
 * The business facts an entry records, as the ledger's unique indexes see them: its event's
 * word on its task (a `task.assigned` v2 assigns many tasks, each once), and its task's fee for
 * that assignment or its task's reward. Two entries sharing a key are one fact.
 */
export function factKeys(entry: Pick<Entry, 'kind' | 'eventId' | 'taskId' | 'assignmentNo'>): string[] {
  const keys = [`event:${entry.eventId}:${entry.taskId ?? ''}`];
  if (entry.kind === 'ASSIGN_FEE' && entry.taskId) keys.push(`fee:${entry.taskId}:${entry.assignmentNo}`);
  if (entry.kind === 'TASK_REWARD' && entry.taskId) keys.push(`reward:${entry.taskId}`);
  return keys;
}

/** An entry of a batch, ready to append: its account and the balance after it. */
export interface Posting<T extends { entry: Entry }> {
  item: T;
  accountId: string;
  balanceAfter: Cents;
}

/**
 * Plans a batch of entries in order (pure): an entry whose fact the ledger already holds, or
 * that an earlier entry of the batch records, is skipped; every other one moves its account's
 * running balance, so each posting carries the balance after it, as if applied one at a time.
 * Returns the postings, the skipped items, and each account's total change.
 */
export function planPostings<T extends { entry: Entry }>(
  items: readonly T[],
  accounts: ReadonlyMap<string, { id: string; balance: Cents }>,
  recordedFacts: ReadonlySet<string>,
): { postings: Posting<T>[]; skipped: T[]; deltas: Map<string, Cents> } {
  const seen = new Set(recordedFacts);
  const balances = new Map<string, Cents>();
  const deltas = new Map<string, Cents>();
  const postings: Posting<T>[] = [];
  const skipped: T[] = [];
  for (const item of items) {
    const { entry } = item;
    const keys = factKeys(entry);
    if (keys.some((k) => seen.has(k))) {
      skipped.push(item);
      continue;
    }
    for (const k of keys) seen.add(k);
    const account = accounts.get(entry.userId);
    if (!account) throw new Error(`no account for user ${entry.userId}`);
    const balanceAfter = (balances.get(account.id) ?? account.balance) + entry.amount;
    balances.set(account.id, balanceAfter);
    deltas.set(account.id, (deltas.get(account.id) ?? 0) + entry.amount);
    postings.push({ item, accountId: account.id, balanceAfter });
  }
  return { postings, skipped, deltas };
}
