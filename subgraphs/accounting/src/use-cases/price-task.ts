import { enqueueEvents } from '@ates/events';
import type { AccountingTx } from '../db/db.ts';
import type { PricedTaskRow } from '../db/schema.ts';
import { findTask, findTasksByIds, insertPricedTask, insertPricedTasks } from '../db/task-repository.ts';
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

/**
 * `ensureTaskPriced` for a batch of tasks (each with the event that showed it first): the known
 * ones read at once, the new ones priced and inserted in one statement, with their
 * `task.priced`; a task another transaction priced meanwhile keeps that price.
 */
export async function ensureTasksPriced(
  tx: AccountingTx,
  deps: AccountingDeps,
  seen: readonly { task: TaskFacts; cause: Cause }[],
): Promise<Map<string, PricedTaskRow>> {
  const firstSight = new Map<string, { task: TaskFacts; cause: Cause }>();
  for (const s of seen) if (!firstSight.has(s.task.taskId)) firstSight.set(s.task.taskId, s);
  const priced = new Map((await findTasksByIds(tx, [...firstSight.keys()])).map((t) => [t.id, t]));
  const now = deps.clock.now();
  const fresh = [...firstSight.values()]
    .filter(({ task }) => !priced.has(task.taskId))
    .map(({ task }) => ({
      id: task.taskId,
      title: task.title,
      jiraId: task.jiraId,
      ...priceTask(deps.random),
      pricedAt: now,
    }));
  const inserted = await insertPricedTasks(tx, fresh);
  for (const row of inserted) priced.set(row.id, row);
  await enqueueEvents(
    tx,
    inserted.map((row) => taskPriced(row, firstSight.get(row.id)!.cause)),
  );
  if (inserted.length < fresh.length) {
    for (const row of await findTasksByIds(
      tx,
      fresh.filter((f) => !priced.has(f.id)).map((f) => f.id),
    ))
      priced.set(row.id, row);
  }
  for (const id of firstSight.keys())
    if (!priced.has(id)) throw new Error(`task ${id} was neither inserted nor found`);
  return priced;
}
