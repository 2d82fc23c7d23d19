import { randomUUID } from 'node:crypto';
import { createLogger, ManualClock, seededRandom, type Database, type Logger } from '@ates/service-kit';
import { createMigratedDatabase, perFile } from '@ates/testing';
import * as tables from '../../src/db/tables.ts';
import { migrationsFolder } from '../../src/migrations.ts';
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

/** The test file's own migrated accounting database, and use-case deps over it. */
export function ledgerPerFile(label: string, options: { now: string; seed: number; max: number }) {
  const database = perFile(
    () => createMigratedDatabase(label, migrationsFolder, tables, { max: options.max }),
    (d) => d.drop(),
  );
  const deps = perFile(
    () => Promise.resolve(testDeps(database, options.now, options.seed)),
    () => Promise.resolve(),
  );
  return { database, deps };
}
