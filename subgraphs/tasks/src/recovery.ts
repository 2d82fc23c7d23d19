import { connectDatabase } from '@ates/service-kit';
import * as tables from './db/tables.ts';
import { rollForwardTasks, type OwnEvent } from './use-cases/roll-forward.ts';

export type { OwnEvent };

/**
 * After a restore, applies the task tracker's own events that followed the backup (its stream's
 * tail, in order) to its database; see rollForwardTasks. Run while the service is stopped.
 */
export async function rollForwardTaskTracker(databaseUrl: string, events: readonly OwnEvent[]) {
  const database = connectDatabase(databaseUrl, tables, { max: 1, applicationName: 'ates-restore' });
  try {
    return await rollForwardTasks(database.db, events);
  } finally {
    await database.close();
  }
}
