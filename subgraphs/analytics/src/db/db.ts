import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type * as tables from './tables.ts';

export type AnalyticsDb = PostgresJsDatabase<typeof tables>;
/** A transaction of the analytics database (or the database itself, for one statement). */
export type AnalyticsTx = Parameters<Parameters<AnalyticsDb['transaction']>[0]>[0] | AnalyticsDb;

/** Read-model tables a rebuild empties (the events tables stay, apart from the inbox rows). */
export const READ_MODEL_TABLES = ['daily_earnings', 'account_days', 'red_counts', 'tasks'] as const;
