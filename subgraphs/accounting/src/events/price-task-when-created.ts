import type { EventHandler } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { openAccount } from '../db/account-repository.ts';
import type { AccountingDeps } from '../use-cases/deps.ts';
import { ensureTaskPriced } from '../use-cases/price-task.ts';

/**
 * A new task is priced at once (v1 events arrive upcast to v2 with the Jira id split from the
 * title). Its author is a user accounting may not have seen yet: their account opens too.
 */
export const priceTaskWhenCreated =
  (deps: AccountingDeps): EventHandler<'task.created', 2, typeof tables> =>
  async (event, { tx }) => {
    const { taskId, title, jiraId, createdBy } = event.data;
    await openAccount(tx, createdBy, deps.clock.now(), deps.newId);
    await ensureTaskPriced(
      tx,
      deps,
      { taskId, title, jiraId },
      { eventId: event.id, correlationId: event.correlationId },
    );
  };
