import { assignmentsOf, batchOfOne, type AnyEventEnvelope, type BatchHandler } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { applyTaskEvents } from '../use-cases/apply-task-events.ts';
import type { AccountingDeps } from '../use-cases/deps.ts';

/** A consumer's batch of task events, or one event alone, applied by the one use-case. */
export const applyTaskEventsBatch =
  (deps: AccountingDeps): BatchHandler<typeof tables> =>
  (events, { tx }) =>
    applyTaskEvents(tx, deps, events);

/**
 * What accounting reacts to of the task tracker's events (task.created v1 is upcast to v2;
 * task.assigned v1 and v2 are read alike, see assignmentsOf).
 */
export const taskReactions = (deps: AccountingDeps) =>
  batchOfOne(applyTaskEventsBatch(deps), {
    'task.created': [2],
    'task.assigned': [1, 2],
    'task.completed': [1],
  });

/**
 * The account a task event is about: the assignee's (who is charged or paid), or for a new
 * task its creator's (whose account opens on first sight). A shuffle's chunk charges many
 * accounts: its own key spreads chunks over the lanes (the lock order keeps them apart).
 */
export function accountKeyOf(event: AnyEventEnvelope): string {
  if (event.type === 'task.assigned') {
    const [only, ...more] = assignmentsOf(event);
    return only && more.length === 0 ? only.assigneeId : event.id;
  }
  if (event.type === 'task.completed') return event.data.assigneeId;
  if (event.type === 'task.created' && event.version === 2) return event.data.createdBy;
  return event.aggregateId ?? event.id;
}

/** Lanes of accounting's task consumer unless configured (ACCOUNTING_TASK_LANES). */
export const DEFAULT_TASK_LANES = 4;

/**
 * How accounting's task-events consumer runs (the service and the ledger bench share it): a
 * batch of up to `maxBatch` events is applied together with set-based SQL (see
 * applyTaskEvents), so a busy consumer commits hundreds of postings per transaction,
 * in `lanes` lanes by account: one account's events are applied in order in one lane, so lanes
 * never wait for each other's accounts, and batches take their row locks in a fixed order, so
 * lanes sharing a task (or the day's totals) wait for each other but never deadlock.
 */
export const tasksConsumerSettings = (deps: AccountingDeps, lanes: number = DEFAULT_TASK_LANES) => ({
  handlers: taskReactions(deps),
  batchHandler: applyTaskEventsBatch(deps),
  laneKey: accountKeyOf,
  concurrency: lanes,
  maxBatch: 500,
  // Postings, not events: a backlog of shuffle chunks (1,000 assignments each) stays ~500 per transaction.
  batchWeight: (event: AnyEventEnvelope) =>
    event.type === 'task.assigned' ? assignmentsOf(event).length : 1,
  /** Messages pulled ahead: two batches' worth per lane, so the next batch queues while one commits. */
  prefetch: 1000 * lanes,
});
