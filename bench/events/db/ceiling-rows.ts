import type { Sql } from 'postgres';

// The rows-ceiling's writes (skeleton.ts with `rows`): what accounting and analytics must write
// per assignment at least. The rows are made in SQL from one array of account ids (a prepared
// statement, no per-row parameters): what is left is Postgres writing them and their indexes.

/** The hop's accounts (accounting's table, as users' events open them). */
export async function openCeilingAccounts(sql: Sql, ids: readonly string[]): Promise<void> {
  const now = new Date();
  await sql`insert into accounts ${sql(ids.map((id) => ({ id, user_id: id, created_at: now })))}`;
}

export async function ceilingAccountIds(sql: Sql): Promise<string[]> {
  return (await sql<{ id: string }[]>`select id from accounts order by id`).map((r) => r.id);
}

/** Analytics' per-account, per-day balances (its projection upserts one row per account and day). */
export async function createDailyBalances(sql: Sql): Promise<void> {
  await sql`create table skeleton_balances (account_id uuid, day date, balance bigint not null,
            primary key (account_id, day))`;
}

/**
 * One lane's postings in one transaction: a fee row per entry of `postings` (its account id) in
 * the ledger, with its indexes, then each account's balance moved once.
 */
export async function writeLedgerRows(
  sql: Sql,
  postings: readonly string[],
  accounts: readonly string[],
  deltas: readonly number[],
) {
  await sql.begin(async (tx) => {
    await tx`insert into transactions (id, account_id, kind, amount, balance_after, task_id, assignment_no,
                                       event_id, description, day, created_at)
             select gen_random_uuid(), a, 'ASSIGN_FEE', -15, -15, gen_random_uuid(), 1,
                    gen_random_uuid(), 'Bench task', current_date, now()
             from unnest(${postings as string[]}::uuid[]) as a`;
    await tx`update accounts a set balance = a.balance + v.delta
             from unnest(${accounts as string[]}::uuid[], ${deltas as number[]}::bigint[]) as v(id, delta)
             where a.id = v.id`;
  });
}

/** The sink's share: each account's balance of the day moved once per batch. */
export async function upsertDailyBalances(sql: Sql, accounts: readonly string[], deltas: readonly number[]) {
  await sql`insert into skeleton_balances (account_id, day, balance)
            select v.id, current_date, v.delta
            from unnest(${accounts as string[]}::uuid[], ${deltas as number[]}::bigint[]) as v(id, delta)
            on conflict (account_id, day) do update set balance = skeleton_balances.balance + excluded.balance`;
}
