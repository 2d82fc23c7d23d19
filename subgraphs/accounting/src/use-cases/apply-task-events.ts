import { assignmentsOf, enqueueEvents, type AnyEventEnvelope } from '@ates/events';
import { openAccounts } from '../db/account-repository.ts';
import type { AccountingTx } from '../db/db.ts';
import type { PricedTaskRow } from '../db/schema.ts';
import { knownTaskIds, upsertSeenTasks, type SeenTask } from '../db/task-repository.ts';
import { assignFeeEntry, rewardEntry, type Entry, type TaskFacts } from '../domain/ledger.ts';
import { priceTask } from '../domain/pricing.ts';
import { taskPriced, type Cause } from '../events/accounting-events.ts';
import { applyEntries } from './apply-entries.ts';
import type { AccountingDeps } from './deps.ts';

/**
 * Accounting's one reaction to the task tracker's events, for one event or a consumer's batch
 * (each `task.assigned` flattened into its assignments first): the authors' and assignees'
 * accounts open, each task is priced on first sight and its reported counts recorded, and every
 * fee (per assignment) and reward (per completion) is posted in arrival order, with set-based
 * SQL whatever the batch's size.
 */
export async function applyTaskEvents(
  tx: AccountingTx,
  deps: AccountingDeps,
  events: readonly AnyEventEnvelope[],
): Promise<void> {
  const seen: { task: TaskFacts; cause: Cause }[] = [];
  const creators: string[] = [];
  const assignees: string[] = [];
  const highestAssignment = new Map<string, number>();
  const completed = new Set<string>();
  const postings: { cause: Cause; task: TaskFacts; make: MakeEntry }[] = [];
  for (const event of events) {
    const cause = { eventId: event.id, correlationId: event.correlationId };
    if (event.type === 'task.created' && event.version === 2) {
      const { taskId, title, jiraId, createdBy } = event.data;
      creators.push(createdBy);
      seen.push({ task: { taskId, title, jiraId }, cause });
    } else if (event.type === 'task.assigned') {
      // v2 carries a shuffle's chunk, v1 one assignment: a fee per assignment, each recorded
      // under the event's id (the inbox holds the event once, however many it carries).
      for (const { taskId, title, jiraId, assigneeId, assignmentNo } of assignmentsOf(event)) {
        const task = { taskId, title, jiraId };
        seen.push({ task, cause });
        assignees.push(assigneeId);
        highestAssignment.set(taskId, Math.max(highestAssignment.get(taskId) ?? 0, assignmentNo));
        postings.push({
          cause,
          task,
          make: (price) => assignFeeEntry(task, price, { assigneeId, assignmentNo, eventId: event.id }),
        });
      }
    } else if (event.type === 'task.completed' && event.version === 1) {
      const { taskId, title, jiraId, assigneeId } = event.data;
      const task = { taskId, title, jiraId };
      seen.push({ task, cause });
      assignees.push(assigneeId);
      completed.add(taskId);
      postings.push({
        cause,
        task,
        make: (price) => rewardEntry(task, price, { assigneeId, eventId: event.id }),
      });
    } else throw new Error(`no reaction to ${event.type} v${event.version}`);
  }
  // Locks in a fixed order, so that batches applied in parallel lanes never deadlock: the
  // accounts first seen (inserted in user id order), then the tasks (id order), then the
  // accounts posted to (id order), the day's totals last (see applyEntries). Statements that
  // need no answer of the one before go together (pipelined on the transaction's connection):
  // each round trip is on every event's path.
  const { prices, announce } = await recordTasksSeen(
    tx,
    deps,
    seen,
    { highestAssignment, completed },
    openAccounts(tx, [...creators, ...assignees], deps.clock.now(), deps.newId),
  );
  await Promise.all([
    announce,
    applyEntries(
      tx,
      deps,
      postings.map(({ task, cause, make }) => ({ entry: make(prices.get(task.taskId)!), cause })),
    ),
  ]);
}

type MakeEntry = (price: { assignFee: number; reward: number }) => Entry;

/**
 * The batch's tasks with what its events reported about each (see upsertSeenTasks): the tasks
 * new to accounting are priced once (in order of first sight, never changed afterwards) and
 * inserted with their `task.priced`, the known ones keep their prices, and every task's reported
 * counts are raised, all in one statement that takes the tasks' locks in id order.
 */
async function recordTasksSeen(
  tx: AccountingTx,
  deps: AccountingDeps,
  seen: readonly { task: TaskFacts; cause: Cause }[],
  reported: { highestAssignment: ReadonlyMap<string, number>; completed: ReadonlySet<string> },
  accountsOpened: Promise<void>,
): Promise<{ prices: Map<string, PricedTaskRow>; announce: Promise<void> }> {
  const firstSight = new Map<string, { task: TaskFacts; cause: Cause }>();
  for (const s of seen) if (!firstSight.has(s.task.taskId)) firstSight.set(s.task.taskId, s);
  // A read without locks beside the accounts' insert: a task priced meanwhile is kept by the upsert.
  const [known] = await Promise.all([knownTaskIds(tx, [...firstSight.keys()]), accountsOpened]);
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
  // Not awaited here: the outbox insert takes no lock the postings wait for, so it goes out
  // with the postings' first statements (the caller awaits both).
  const announce = enqueueEvents(
    tx,
    priced.map((row) => taskPriced(row, firstSight.get(row.id)!.cause)),
  );
  return { prices: rows, announce };
}
