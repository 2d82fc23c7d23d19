import type { EventHandlers } from '@ates/events';
import type * as tables from '../db/tables.ts';
import type { AccountingDeps } from '../use-cases/deps.ts';
import { applyTaskEventsTogether } from './apply-task-events-together.ts';
import { chargeFeeWhenTaskAssigned } from './charge-fee-when-task-assigned.ts';
import { payRewardWhenTaskCompleted } from './pay-reward-when-task-completed.ts';
import { priceTaskWhenCreated } from './price-task-when-created.ts';

/** What accounting does with the task tracker's events (task.created v1 is upcast to v2). */
export const taskReactions = (deps: AccountingDeps): EventHandlers<typeof tables> => ({
  'task.created': { 2: priceTaskWhenCreated(deps) },
  'task.assigned': { 1: chargeFeeWhenTaskAssigned(deps) },
  'task.completed': { 1: payRewardWhenTaskCompleted(deps) },
});

/**
 * How accounting's task-events consumer runs (the service and the ledger bench share it): a
 * batch of up to `maxBatch` events is applied together with set-based SQL (see
 * applyTaskEventsTogether), so a busy consumer commits hundreds of postings per transaction.
 */
export const tasksConsumerSettings = (deps: AccountingDeps) => ({
  handlers: taskReactions(deps),
  batchHandler: applyTaskEventsTogether(deps),
  maxBatch: 500,
  /** Messages pulled ahead: two batches' worth, so the next batch is queued while one commits. */
  prefetch: 1000,
});
