import type { Clock, Logger, RandomSource, Sql } from '@ates/service-kit';
import type { TasksDb } from '../db/task-repository.ts';

export interface TasksDeps {
  db: TasksDb;
  /** The serving side's small read pool (single statements, no transaction); else `db`. */
  reads?: TasksDb;
  /** postgres.js, for set-based statements on hot paths (shuffle). */
  sql: Sql;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  newId: () => string;
}

export const PRODUCER = 'tasks';
