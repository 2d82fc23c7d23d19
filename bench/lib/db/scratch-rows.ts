import type { Sql, TransactionSql } from 'postgres';

// B_pg's scratch table: small ledger-like rows, in the suite's own database, dropped afterwards.

export interface ScratchRow {
  id: string;
  account_id: string;
  amount: number;
  created_at: Date;
}

export async function createScratchRows(sql: Sql): Promise<void> {
  await sql`drop table if exists bench_pg_rows`;
  await sql`create table bench_pg_rows (
    id uuid primary key, account_id uuid not null, amount bigint not null, created_at timestamptz not null)`;
}

/** One multi-row insert. */
export async function insertScratchRows(sql: Sql, rows: readonly ScratchRow[]): Promise<void> {
  await sql`insert into bench_pg_rows ${sql(rows)}`;
}

/** One single-row insert, in the caller's transaction. */
export async function insertScratchRow(tx: TransactionSql, row: ScratchRow): Promise<void> {
  await tx`insert into bench_pg_rows values (${row.id}, ${row.account_id}, ${row.amount}, ${row.created_at})`;
}

export async function emptyScratchRows(sql: Sql): Promise<void> {
  await sql`truncate bench_pg_rows`;
}

export async function dropScratchRows(sql: Sql): Promise<void> {
  await sql`drop table if exists bench_pg_rows`;
}
