import { batchOfOne, type BatchHandler } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { projectEvents } from '../use-cases/project-events.ts';

/** Durable consumer names: also the inbox and dead-letter keys. */
export const CONSUMERS = { tasks: 'analytics-tasks', accounting: 'analytics-accounting' } as const;

/** A consumer's batch, or one event alone, written by the one use-case. */
export const projectionBatch =
  (timeZone: string): BatchHandler<typeof tables> =>
  (events, { tx }) =>
    projectEvents(tx, events, timeZone);

/**
 * What analytics reads of each stream (task.created v1 arrives upcast to v2). The users stream
 * tells it nothing it answers (accounts appear with their first transaction), so it has no
 * consumer there.
 */
export const projections = (timeZone: string) => ({
  tasks: batchOfOne(projectionBatch(timeZone), { 'task.created': [2], 'task.completed': [1] }),
  accounting: batchOfOne(projectionBatch(timeZone), { 'transaction.applied': [1, 2], 'task.priced': [1] }),
});
