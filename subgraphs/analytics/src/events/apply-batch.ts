import type { BatchHandler } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { collectTransaction, flushProjection } from '../use-cases/project-batch.ts';
import { collectTaskCompleted, collectTaskCreated, collectTaskPriced } from '../use-cases/project-task.ts';

/**
 * A whole batch of a projection consumer at once: each event is collected as its handler in
 * projections.ts would apply it, then the batch is written in a few set-based statements (the
 * per-event handlers still apply an event alone, and each event of a failed batch redone one
 * by one). Events of types the projection does not handle never reach it.
 */
export const applyBatch =
  (timeZone: string): BatchHandler<typeof tables> =>
  async (events, { tx }) => {
    for (const event of events) {
      if (event.type === 'transaction.applied' && event.version === 1) {
        const { accountId, kind, amount, day, taskId } = event.data;
        collectTransaction(tx, { accountId, kind, amount, day, taskId });
      } else if (event.type === 'task.priced' && event.version === 1)
        collectTaskPriced(tx, event.data.taskId, event.data.reward);
      else if (event.type === 'task.created' && event.version === 2) collectTaskCreated(tx, event.data);
      else if (event.type === 'task.completed' && event.version === 1)
        collectTaskCompleted(tx, event.data, new Date(event.data.completedAt), timeZone);
      else throw new Error(`the projection has no batch rule for ${event.type} v${event.version}`);
    }
    await flushProjection(tx);
  };
