import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedDatabase, type MigratedDatabase } from '@ates/testing';
import * as tables from '../src/db/tables.ts';
import { findAccountsOfUsers, openAccounts } from '../src/db/account-repository.ts';
import { migrationsFolder } from '../src/service.ts';
import { preparedAccountLookups } from './support/db/ledger-reads.ts';

let database: MigratedDatabase<typeof tables>;

beforeAll(async () => {
  // One connection, so every statement below is prepared (or not) on the session queried.
  database = await createMigratedDatabase('accounting_prepared', migrationsFolder, tables, { max: 1 });
});
afterAll(() => database?.drop());

describe("drizzle's queries on postgres.js", () => {
  it('are prepared once per connection, one statement for every number of ids (patches/drizzle-orm)', async () => {
    const users = [randomUUID(), randomUUID(), randomUUID()];
    await openAccounts(database.db, users, new Date('2026-03-01T12:00:00Z'), randomUUID);
    expect(await preparedAccountLookups(database.db)).toBe(0);

    expect(await findAccountsOfUsers(database.db, users.slice(0, 1))).toHaveLength(1);
    expect(await findAccountsOfUsers(database.db, users)).toHaveLength(3);
    await database.db.transaction(async (tx) => {
      expect(await findAccountsOfUsers(tx, users.slice(1))).toHaveLength(2);
    });

    // Unprepared (drizzle's unsafe() default) there would be none; with a parameter per id, three.
    expect(await preparedAccountLookups(database.db)).toBe(1);
  });
});
