import { enqueueEvents } from '@ates/events';
import type { AccountingTx } from '../db/db.ts';
import type { PricedTaskRow } from '../db/schema.ts';
import { findTask, insertPricedTask } from '../db/task-repository.ts';
import type { TaskFacts } from '../domain/ledger.ts';
import { priceTask } from '../domain/pricing.ts';
import { taskPriced, type Cause } from '../events/accounting-events.ts';
import type { AccountingDeps } from './deps.ts';

/**
 * The task's prices: drawn once, the first time any event shows accounting the task, and
 * never changed afterwards (a later event, or a racing one, gets the first price).
 */
export async function ensureTaskPriced(
  tx: AccountingTx,
  deps: AccountingDeps,
  task: TaskFacts,
  cause: Cause,
): Promise<PricedTaskRow> {
  const known = await findTask(tx, task.taskId);
  if (known) return known;
  const price = priceTask(deps.random);
  const priced = await insertPricedTask(tx, {
    id: task.taskId,
    title: task.title,
    jiraId: task.jiraId,
    ...price,
    pricedAt: deps.clock.now(),
  });
  if (priced) {
    await enqueueEvents(tx, [taskPriced(priced, cause)]);
    return priced;
  }
  const winner = await findTask(tx, task.taskId);
  if (!winner) throw new Error(`task ${task.taskId} was neither inserted nor found`);
  return winner;
}
