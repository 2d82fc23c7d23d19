import type { AnyEventEnvelope, BatchHandler } from '@ates/events';
import { openAccounts } from '../db/account-repository.ts';
import type * as tables from '../db/tables.ts';
import { assignFeeEntry, rewardEntry, type Entry, type TaskFacts } from '../domain/ledger.ts';
import { applyEntries } from '../use-cases/apply-entries.ts';
import type { AccountingDeps } from '../use-cases/deps.ts';
import { recordTasksSeen } from '../use-cases/price-task.ts';
import type { Cause } from './accounting-events.ts';

/**
 * The task reactions (priceTaskWhenCreated, chargeFeeWhenTaskAssigned, payRewardWhenTaskCompleted)
 * for a whole consumer batch with set-based SQL: accounts opened at once, tasks priced and their
 * reported counts recorded in one statement, and every fee and reward posted by applyEntries in
 * arrival order. The outcome is the one of the per-event handlers run in order; those still
 * apply a batch event by event when it fails.
 */
export const applyTaskEventsTogether =
  (deps: AccountingDeps): BatchHandler<typeof tables> =>
  async (events, { tx }) => {
    const seen: { task: TaskFacts; cause: Cause }[] = [];
    const creators: string[] = [];
    const assignees: string[] = [];
    const highestAssignment = new Map<string, number>();
    const completed = new Set<string>();
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
        assignees.push(assigneeId);
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
        assignees.push(assigneeId);
        completed.add(taskId);
        postings.push({
          event,
          cause,
          task,
          make: (price) => rewardEntry(task, price, { assigneeId, eventId: event.id }),
        });
      } else throw new Error(`no batch reaction to ${event.type} v${event.version}`);
    }
    // Locks in a fixed order, so that batches applied in parallel lanes never deadlock: the
    // accounts first seen (inserted in user id order), then the tasks (id order), then the
    // accounts posted to (id order), the day's totals last (see applyEntries).
    await openAccounts(tx, [...creators, ...assignees], deps.clock.now(), deps.newId);
    const prices = await recordTasksSeen(tx, deps, seen, { highestAssignment, completed });
    await applyEntries(
      tx,
      deps,
      postings.map(({ task, cause, make }) => ({ entry: make(prices.get(task.taskId)!), cause })),
    );
  };

type MakeEntry = (price: { assignFee: number; reward: number }) => Entry;
