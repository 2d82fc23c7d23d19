import type { EventHandlers } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { countTransactionWhenApplied } from './count-transaction-when-applied.ts';
import { learnRewardWhenTaskPriced } from './learn-reward-when-task-priced.ts';
import { rankTaskWhenCompleted } from './rank-task-when-completed.ts';
import { rememberTaskWhenCreated } from './remember-task-when-created.ts';

/** Durable consumer names: also the inbox and dead-letter keys. */
export const CONSUMERS = { tasks: 'analytics-tasks', accounting: 'analytics-accounting' } as const;

/**
 * What analytics reads of each stream. The users stream tells it nothing it answers (accounts
 * appear with their first transaction), so it has no consumer there.
 */
export const projections = (timeZone: string) =>
  ({
    tasks: {
      'task.created': { 2: rememberTaskWhenCreated },
      'task.completed': { 1: rankTaskWhenCompleted(timeZone) },
    },
    accounting: {
      'transaction.applied': { 1: countTransactionWhenApplied },
      'task.priced': { 1: learnRewardWhenTaskPriced },
    },
  }) satisfies Record<keyof typeof CONSUMERS, EventHandlers<typeof tables>>;
