import { connectDatabase } from '@ates/service-kit';
import * as tables from './db/tables.ts';
import {
  rollForwardBatch,
  type OwnEvent,
  type RollForwardReport,
  type TaskEventFact,
  type TaskEventFacts,
} from './use-cases/roll-forward.ts';

export type { OwnEvent, RollForwardReport, TaskEventFact, TaskEventFacts };

/** Events per transaction: a day's tail is applied in many short transactions, each idempotent. */
const BATCH = 500;

/**
 * After a restore, applies accounting's own events that followed the backup (its stream's tail,
 * in stream order) to its database; see rollForwardBatch. Run while accounting is stopped, before
 * its consumers are moved back to the restored inbox's position.
 */
export async function rollForwardAccounting(
  databaseUrl: string,
  events: readonly OwnEvent[],
  taskEvents: TaskEventFacts,
): Promise<RollForwardReport> {
  const database = connectDatabase(databaseUrl, tables, { max: 1, applicationName: 'ates-restore' });
  const total: RollForwardReport = { applied: 0, alreadyHeld: 0, transactions: 0 };
  try {
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events.slice(i, i + BATCH);
      const report = await database.db.transaction((tx) => rollForwardBatch(tx, batch, taskEvents));
      total.applied += report.applied;
      total.alreadyHeld += report.alreadyHeld;
      total.transactions += report.transactions;
    }
    return total;
  } finally {
    await database.close();
  }
}
