import type { TaskEventKind, TransactionKind } from '../generated/operations.ts';
import { formatMoney } from './money.ts';

/** One notice for a batch of "my tasks" events. */
export function describeTaskEvents(
  events: { kind: TaskEventKind; task: { title: string; assignee: { login: string } } }[],
): string {
  const [only] = events;
  if (events.length === 1 && only) {
    const title = `“${only.task.title}”`;
    if (only.kind === 'ASSIGNED') return `New task for you: ${title}.`;
    if (only.kind === 'UNASSIGNED') return `${title} was reassigned to @${only.task.assignee.login}.`;
    return `${title} is done.`;
  }
  const count = (kind: TaskEventKind) => events.filter((e) => e.kind === kind).length;
  const parts = [
    [count('ASSIGNED'), 'assigned to you'],
    [count('UNASSIGNED'), 'reassigned to others'],
    [count('COMPLETED'), 'completed'],
  ] as const;
  const text = parts
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${n === 1 ? 'task' : 'tasks'} ${what}`)
    .join(', ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

export const KIND_LABELS: Record<TransactionKind, string> = {
  ASSIGN_FEE: 'Assignment fee',
  TASK_REWARD: 'Task reward',
  PAYOUT: 'Payout',
};

/** One notice for a batch of account updates: the transaction, or how many and the new balance. */
export function describeAccountEvents(
  events: {
    balance: string;
    transactions: { nodes: { kind: TransactionKind; amount: string; task: { title: string } | null }[] };
  }[],
): string | null {
  const last = events[events.length - 1];
  if (!last) return null;
  const latest = last.transactions.nodes[0];
  if (events.length === 1 && latest) {
    const amount = formatMoney(latest.amount, { signed: true });
    return `${KIND_LABELS[latest.kind]} ${amount}${latest.task ? `: “${latest.task.title}”` : ''}.`;
  }
  return `${events.length} new transactions. Balance ${formatMoney(last.balance)}.`;
}
