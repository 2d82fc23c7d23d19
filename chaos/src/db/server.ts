import type { Sql } from 'postgres';

// What the chaos run asks the Postgres server itself (not a service's tables).

/** Resolves once the server has answered a trivial query on this client's connection. */
export async function answersQueries(sql: Sql): Promise<void> {
  await sql`select 1`;
}

/** Keeps this client's connection busy on the server for `seconds`. */
export async function holdConnection(sql: Sql, seconds: number): Promise<void> {
  await sql`select pg_sleep(${seconds})`;
}

/** Ends every other session on the chaos run's databases; how many it ended. */
export async function terminateChaosSessions(sql: Sql): Promise<number> {
  const rows = await sql<{ pid: number }[]>`
    select pg_terminate_backend(pid), pid from pg_stat_activity
    where datname like 'ates_t_chaos_%' and pid <> pg_backend_pid()`;
  return rows.length;
}
