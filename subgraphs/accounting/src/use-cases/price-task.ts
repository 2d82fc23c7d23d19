import { enqueueEvents } from '@ates/events';
import type { AccountingTx } from '../db/db.ts';
import type { PricedTaskRow } from '../db/schema.ts';
import {
  findTask,
  insertPricedTask,
  knownTaskIds,
  upsertSeenTasks,
  type SeenTask,
} from '../db/task-repository.ts';
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
 * `ensureTaskPriced` for a batch of tasks, with what the batch's events reported about each
 * (see upsertSeenTasks): the tasks new to accounting are priced (in order of first sight) and
 * inserted with their `task.priced`, the known ones keep their prices, and every task's reported
 * counts are raised, all in one statement that takes the tasks' locks in id order.
 */
export async function recordTasksSeen(
  tx: AccountingTx,
  deps: AccountingDeps,
  seen: readonly { task: TaskFacts; cause: Cause }[],
  reported: { highestAssignment: ReadonlyMap<string, number>; completed: ReadonlySet<string> },
): Promise<Map<string, PricedTaskRow>> {
  const firstSight = new Map<string, { task: TaskFacts; cause: Cause }>();
  for (const s of seen) if (!firstSight.has(s.task.taskId)) firstSight.set(s.task.taskId, s);
  const known = await knownTaskIds(tx, [...firstSight.keys()]);
  const now = deps.clock.now();
  const tasks: SeenTask[] = [...firstSight.values()].map(({ task }) => ({
    id: task.taskId,
    title: task.title,
    jiraId: task.jiraId,
    price: known.has(task.taskId) ? null : { ...priceTask(deps.random), pricedAt: now },
    assignmentsReported: reported.highestAssignment.get(task.taskId) ?? 0,
    completionsReported: reported.completed.has(task.taskId) ? 1 : 0,
  }));
  const result = await upsertSeenTasks(tx, tasks);
  const rows = new Map(result.map(({ row }) => [row.id, row]));
  for (const id of firstSight.keys())
    if (!rows.has(id)) throw new Error(`task ${id} was neither inserted nor found`);
  const priced = result.filter((r) => r.priced).map((r) => r.row);
  // Tasks are never deleted, so a task read as known cannot be inserted now.
  const misread = priced.find((row) => known.has(row.id));
  if (misread) throw new Error(`task ${misread.id} was known but got inserted`);
  await enqueueEvents(
    tx,
    priced.map((row) => taskPriced(row, firstSight.get(row.id)!.cause)),
  );
  return rows;
}
