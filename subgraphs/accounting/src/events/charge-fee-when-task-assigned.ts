import type { EventHandler } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { recordAssignmentReported } from '../db/task-repository.ts';
import { assignFeeEntry } from '../domain/ledger.ts';
import { applyEntry } from '../use-cases/apply-entry.ts';
import type { AccountingDeps } from '../use-cases/deps.ts';
import { ensureTaskPriced } from '../use-cases/price-task.ts';

/**
 * Every assignment (creation's first one and each shuffle's) debits the new assignee by the
 * task's fee: once per event (the inbox) and once per (task, assignment number) whatever event
 * id carries it (the ledger's unique index). The number is remembered for reconciliation.
 */
export const chargeFeeWhenTaskAssigned =
  (deps: AccountingDeps): EventHandler<'task.assigned', 1, typeof tables> =>
  async (event, { tx }) => {
    const { taskId, title, jiraId, assigneeId, assignmentNo } = event.data;
    const cause = { eventId: event.id, correlationId: event.correlationId };
    const task = { taskId, title, jiraId };
    const price = await ensureTaskPriced(tx, deps, task, cause);
    await recordAssignmentReported(tx, taskId, assignmentNo);
    await applyEntry(
      tx,
      deps,
      assignFeeEntry(task, price, { assigneeId, assignmentNo, eventId: event.id }),
      cause,
    );
  };
