import type { Sql } from 'postgres';

/** Vacuums and analyzes the tables, so a timed run starts from fresh statistics and no dead rows. */
export async function vacuumAnalyze(sql: Sql, tables: readonly string[]): Promise<void> {
  await sql`vacuum analyze ${sql(tables)}`;
}

/** Opens `n` connections of the pool (a trivial query each), so none opens while a clock runs. */
export async function openConnections(sql: Sql, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => sql`select 1`));
}
