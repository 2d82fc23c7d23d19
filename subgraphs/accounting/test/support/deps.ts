import { randomUUID } from 'node:crypto';
import { createLogger, ManualClock, seededRandom, type Database, type Logger } from '@ates/service-kit';
import type * as tables from '../../src/db/tables.ts';
import type { AccountingDeps } from '../../src/use-cases/deps.ts';

/** Accounting's use-case deps over a test database: a manual clock at `now`, seeded prices, UTC. */
export const testDeps = (
  database: Database<typeof tables>,
  now: string,
  seed: number,
  logger: Logger = createLogger({ service: 'accounting-test', level: 'silent' }),
): AccountingDeps => ({
  db: database.db,
  sql: database.sql,
  clock: new ManualClock(new Date(now)),
  random: seededRandom(seed),
  timeZone: 'UTC',
  logger,
  newId: randomUUID,
});
