import type { EventHandlers } from '@ates/events';
import type * as tables from '../db/tables.ts';
import type { AccountingDeps } from '../use-cases/deps.ts';
import { chargeFeeWhenTaskAssigned } from './charge-fee-when-task-assigned.ts';
import { payRewardWhenTaskCompleted } from './pay-reward-when-task-completed.ts';
import { priceTaskWhenCreated } from './price-task-when-created.ts';

/** What accounting does with the task tracker's events (task.created v1 is upcast to v2). */
export const taskReactions = (deps: AccountingDeps): EventHandlers<typeof tables> => ({
  'task.created': { 2: priceTaskWhenCreated(deps) },
  'task.assigned': { 1: chargeFeeWhenTaskAssigned(deps) },
  'task.completed': { 1: payRewardWhenTaskCompleted(deps) },
});
