import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@ates/service-kit';
import { createMigratedDatabase, type MigratedDatabase } from '@ates/testing';
import { rememberPopug } from '../src/db/popug-repository.ts';
import * as tables from '../src/db/tables.ts';
import { assignableWorkers, assignableWorkersIn } from '../src/db/task-repository.ts';
import { isAssignable } from '../src/domain/assignment.ts';
import { migrationsFolder } from '../src/service.ts';

let database: MigratedDatabase<typeof tables>;

beforeAll(async () => {
  database = await createMigratedDatabase('tasks_assignable', migrationsFolder, tables, { max: 2 });
});
afterAll(() => database?.drop());

describe('who is assignable', () => {
  it('is the domain rule in both queries (creation and shuffle), whatever the role', async () => {
    const roles: Role[] = ['ADMIN', 'MANAGER', 'ACCOUNTANT', 'WORKER'];
    const company = roles.flatMap((role) => [0, 1].map(() => ({ id: randomUUID(), role })));
    for (const p of company)
      await rememberPopug(database.db, { ...p, login: p.id, name: p.id }, new Date('2026-03-01T12:00:00Z'));
    const expected = company
      .filter((p) => isAssignable(p.role))
      .map((p) => p.id)
      .sort();
    expect(expected).toHaveLength(4);
    expect(await assignableWorkers(database.db)).toEqual(expected);
    expect(await database.sql.begin((tx) => assignableWorkersIn(tx))).toEqual(expected);
  });
});
