import type { Sql } from '@ates/service-kit';
import type { AnalyticsDb } from '../../subgraphs/analytics/src/db/db.ts';
import { emptyReadModel, stagedTransactions } from './db/history.ts';
import {
  collectTransaction,
  flushProjection,
} from '../../subgraphs/analytics/src/use-cases/project-batch.ts';
import {
  collectTaskCompleted,
  collectTaskCreated,
  collectTaskPriced,
} from '../../subgraphs/analytics/src/use-cases/project-task.ts';

export const FIRST_DAY = '2025-01-01';

/**
 * Feeds the staged history through the projection's own use cases (as its event handlers call
 * them), in batches of 500 per transaction: the reference the bulk load is checked against.
 */
export async function projectHistory(sql: Sql, db: AnalyticsDb, timeZone: string): Promise<void> {
  await emptyReadModel(sql);
  const rows = await stagedTransactions(sql);
  for (let i = 0; i < rows.length; i += 500) {
    await db.transaction(async (tx) => {
      for (const r of rows.slice(i, i + 500)) {
        const facts = { taskId: r.task_id, title: `Task ${r.task}`, jiraId: null };
        // Written event by event, as a consumer with batches of one writes them.
        if (r.pos === 0) {
          collectTaskCreated(tx, facts);
          await flushProjection(tx);
          collectTaskPriced(tx, r.task_id, r.reward);
          await flushProjection(tx);
        }
        collectTransaction(tx, {
          accountId: r.account_id,
          kind: r.pos === 3 ? 'TASK_REWARD' : 'ASSIGN_FEE',
          amount: Number(r.amount),
          day: r.day,
          taskId: r.task_id,
        });
        await flushProjection(tx);
        if (r.pos === 3) {
          collectTaskCompleted(tx, facts, new Date(r.at), timeZone);
          await flushProjection(tx);
        }
      }
    });
  }
}
