import type { AnyEventEnvelope, BatchHandler } from '@ates/events';
import { openAccounts } from '../db/account-repository.ts';
import type * as tables from '../db/tables.ts';
import { recordAssignmentsReported, recordCompletionsReported } from '../db/task-repository.ts';
import { assignFeeEntry, rewardEntry, type Entry, type TaskFacts } from '../domain/ledger.ts';
import { applyEntries } from '../use-cases/apply-entries.ts';
import type { AccountingDeps } from '../use-cases/deps.ts';
import { ensureTasksPriced } from '../use-cases/price-task.ts';
import type { Cause } from './accounting-events.ts';

/**
 * The task reactions (priceTaskWhenCreated, chargeFeeWhenTaskAssigned, payRewardWhenTaskCompleted)
 * for a whole consumer batch with set-based SQL: accounts opened at once, tasks priced at once,
 * reported counts recorded once per task, and every fee and reward posted by applyEntries in
 * arrival order. The outcome is the one of the per-event handlers run in order; those still
 * apply a batch event by event when it fails.
 */
export const applyTaskEventsTogether =
  (deps: AccountingDeps): BatchHandler<typeof tables> =>
  async (events, { tx }) => {
    const seen: { task: TaskFacts; cause: Cause }[] = [];
    const creators: string[] = [];
    const highestAssignment = new Map<string, number>();
    const completed: string[] = [];
    const postings: { event: AnyEventEnvelope; cause: Cause; task: TaskFacts; make: MakeEntry }[] = [];
    for (const event of events) {
      const cause = { eventId: event.id, correlationId: event.correlationId };
      if (event.type === 'task.created' && event.version === 2) {
        const { taskId, title, jiraId, createdBy } = event.data;
        creators.push(createdBy);
        seen.push({ task: { taskId, title, jiraId }, cause });
      } else if (event.type === 'task.assigned' && event.version === 1) {
        const { taskId, title, jiraId, assigneeId, assignmentNo } = event.data;
        const task = { taskId, title, jiraId };
        seen.push({ task, cause });
        highestAssignment.set(taskId, Math.max(highestAssignment.get(taskId) ?? 0, assignmentNo));
        postings.push({
          event,
          cause,
          task,
          make: (price) => assignFeeEntry(task, price, { assigneeId, assignmentNo, eventId: event.id }),
        });
      } else if (event.type === 'task.completed' && event.version === 1) {
        const { taskId, title, jiraId, assigneeId } = event.data;
        const task = { taskId, title, jiraId };
        seen.push({ task, cause });
        completed.push(taskId);
        postings.push({
          event,
          cause,
          task,
          make: (price) => rewardEntry(task, price, { assigneeId, eventId: event.id }),
        });
      } else throw new Error(`no batch reaction to ${event.type} v${event.version}`);
    }
    await openAccounts(tx, creators, deps.clock.now(), deps.newId);
    const prices = await ensureTasksPriced(tx, deps, seen);
    // Independent of each other: sent together (postgres.js pipelines them on the connection).
    await Promise.all([
      recordAssignmentsReported(tx, highestAssignment),
      recordCompletionsReported(tx, completed),
      applyEntries(
        tx,
        deps,
        postings.map(({ task, cause, make }) => ({ entry: make(prices.get(task.taskId)!), cause })),
      ),
    ]);
  };

type MakeEntry = (price: { assignFee: number; reward: number }) => Entry;
