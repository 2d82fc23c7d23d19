import { sql, type SQL } from 'drizzle-orm';

/**
 * Rows for a set-based statement, sent as ONE JSON parameter and expanded in SQL
 * (`jsonb_to_recordset`, or `jsonb_array_elements … with ordinality` where order matters).
 * Drizzle's multi-row VALUES costs Node several µs per parameter; a batch of 500 ledger rows has
 * thousands. Dates go as ISO strings, money as integer cents (safe integers).
 */
export const jsonParam = (rows: readonly object[]): SQL => sql`${JSON.stringify(rows)}::jsonb`;
