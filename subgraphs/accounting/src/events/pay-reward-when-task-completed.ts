import type { EventHandler } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { recordCompletionReported } from '../db/task-repository.ts';
import { rewardEntry } from '../domain/ledger.ts';
import { applyEntry } from '../use-cases/apply-entry.ts';
import type { AccountingDeps } from '../use-cases/deps.ts';
import { ensureTaskPriced } from '../use-cases/price-task.ts';

/** A completion credits the assignee with the task's reward, once per task whatever event carries it. */
export const payRewardWhenTaskCompleted =
  (deps: AccountingDeps): EventHandler<'task.completed', 1, typeof tables> =>
  async (event, { tx }) => {
    const { taskId, title, jiraId, assigneeId } = event.data;
    const cause = { eventId: event.id, correlationId: event.correlationId };
    const task = { taskId, title, jiraId };
    const price = await ensureTaskPriced(tx, deps, task, cause);
    await recordCompletionReported(tx, taskId);
    await applyEntry(tx, deps, rewardEntry(task, price, { assigneeId, eventId: event.id }), cause);
  };
