import { appliedTransactions, type AnyEventEnvelope } from '@ates/events';
import type { AnalyticsTx } from '../db/db.ts';
import { collectTransaction, flushProjection } from './project-batch.ts';
import { collectTaskCompleted, collectTaskCreated, collectTaskPriced } from './project-task.ts';

/**
 * The read model's one writer, for one event or a consumer's batch: each event is collected,
 * then the batch is written in a few set-based statements (project-batch.ts). Ledger
 * transactions count on the billing day accounting gave them, completions under the day, ISO
 * week and month of the company time zone.
 */
export async function projectEvents(
  tx: AnalyticsTx,
  events: readonly AnyEventEnvelope[],
  timeZone: string,
): Promise<void> {
  for (const event of events) {
    // v1 (one transaction) and v2 (a batch) side by side: each transaction is collected alike.
    if (event.type === 'transaction.applied') {
      for (const { accountId, kind, amount, day, taskId } of appliedTransactions(event))
        collectTransaction(tx, { accountId, kind, amount, day, taskId });
    } else if (event.type === 'task.priced' && event.version === 1)
      collectTaskPriced(tx, event.data.taskId, event.data.reward);
    else if (event.type === 'task.created' && event.version === 2) collectTaskCreated(tx, event.data);
    else if (event.type === 'task.completed' && event.version === 1)
      collectTaskCompleted(tx, event.data, new Date(event.data.completedAt), timeZone);
    else throw new Error(`the projection has no rule for ${event.type} v${event.version}`);
  }
  await flushProjection(tx);
}
