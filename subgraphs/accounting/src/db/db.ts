import { sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { uuidArrayParam } from '@ates/service-kit';
import type * as tables from './tables.ts';

export type AccountingDb = PostgresJsDatabase<typeof tables>;
/** A transaction of the accounting database (or the database itself, for one statement). */
export type AccountingTx = Parameters<Parameters<AccountingDb['transaction']>[0]>[0] | AccountingDb;

/** Which of `ids` the table holds by its `id`: one indexed read, no locks. */
export async function presentIds(
  db: AccountingTx,
  table: PgTable,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.execute<{ id: string }>(
    sql`select id from ${table} where id = any(${uuidArrayParam(ids)})`,
  );
  return new Set(Array.from(rows, (r) => r.id));
}
