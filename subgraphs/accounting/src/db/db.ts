import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type * as tables from './tables.ts';

export type AccountingDb = PostgresJsDatabase<typeof tables>;
/** A transaction of the accounting database (or the database itself, for one statement). */
export type AccountingTx = Parameters<Parameters<AccountingDb['transaction']>[0]>[0] | AccountingDb;
