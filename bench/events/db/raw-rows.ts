import type { Sql } from 'postgres';

// The baselines' tables of raw messages: what a consumer that only stores what it reads writes.

export interface RawRow {
  id: string;
  stream_seq: number;
  payload: string;
}

export async function createRawRowsTable(sql: Sql, table: string): Promise<void> {
  await sql`create table ${sql(table)} (id uuid primary key, stream_seq bigint not null, payload text not null)`;
}

/** One multi-row insert. */
export async function insertRawRows(sql: Sql, table: string, rows: readonly RawRow[]): Promise<void> {
  await sql`insert into ${sql(table)} ${sql(rows)}`;
}
