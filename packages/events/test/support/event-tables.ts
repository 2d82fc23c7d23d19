import postgres from 'postgres';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import * as tables from '../../src/tables.ts';

/**
 * Creates the event tables in the database at `url` with the DDL drizzle-kit writes into a
 * service's migration for them (the tests' and bench's stand-in for a service's migrations).
 */
export async function createEventTables(url: string): Promise<void> {
  const statements = await generateMigration(generateDrizzleJson({}), generateDrizzleJson(tables));
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (const statement of statements) await sql.unsafe(statement);
  } finally {
    await sql.end();
  }
}
