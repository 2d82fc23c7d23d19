import type { Sql } from 'postgres';

// What the ledger and end-of-day suites write into and read from accounting's database.

/** Empties every table a run writes, so the next run starts from nothing. */
export async function emptyAccounting(sql: Sql): Promise<void> {
  await sql`truncate transactions, accounts, tasks, daily_totals, outbox, inbox, billing_day_accounts, payouts, billing_days cascade`;
}

/** `n` accounts, each in plus by one TASK_REWARD on `day` (balance = the sum of its entries). */
export async function seedAccountsInPlus(sql: Sql, n: number, day: string): Promise<void> {
  await sql`
    insert into accounts (id, user_id, balance, created_at)
    select gen_random_uuid(), gen_random_uuid(), 100 + (i * 7919) % 5000, ${`${day}T08:00:00Z`}::timestamptz
    from generate_series(1, ${n}) as i`;
  await sql`
    insert into transactions (id, account_id, kind, amount, balance_after, task_id, event_id, description, day, created_at)
    select gen_random_uuid(), id, 'TASK_REWARD', balance, balance, gen_random_uuid(), gen_random_uuid(),
           'Feed the parrots', ${day}::date, created_at
    from accounts`;
  await sql`
    insert into daily_totals (day, rewards_paid, transactions)
    select ${day}::date, sum(balance), count(*) from accounts`;
  await sql`vacuum analyze accounts, transactions`;
}

/** What a closed and paid `day` left behind: payouts, balances, the outbox, the day's record. */
export async function endOfDayCounts(sql: Sql, day: string, accountsPaid: number) {
  const [row] = await sql<
    {
      paid: number;
      unpaid: number;
      non_zero: number;
      bad_sums: number;
      made: number;
      emails: number;
      applied: number;
      closed: number;
    }[]
  >`
    select
      (select count(*)::int from payouts where status = 'PAID') as paid,
      (select count(*)::int from payouts where status <> 'PAID') as unpaid,
      (select count(*)::int from accounts where balance <> 0) as non_zero,
      (select count(*)::int from accounts a
         where a.balance <> (select sum(amount) from transactions t where t.account_id = a.id)) as bad_sums,
      (select coalesce(sum(case when version = 1 then 1 else jsonb_array_length(payload->'data'->'payouts') end), 0)::int
         from outbox where type = 'payout.made') as made,
      (select coalesce(sum(case when version = 1 then 1 else jsonb_array_length(payload->'data'->'emails') end), 0)::int
         from outbox where type = 'email.requested') as emails,
      (select coalesce(sum(case when version = 2 then jsonb_array_length(payload->'data'->'transactions') else 1 end), 0)::int
         from outbox where type = 'transaction.applied') as applied,
      (select count(*)::int from billing_days where day = ${day}::date and accounts_paid = ${accountsPaid}) as closed`;
  return row;
}

/**
 * The ledger's rows, the transactions `transaction.applied` announced (v2 lists a batch), the
 * inbox, and whether balances and daily totals match the rows.
 */
export async function ledgerCounts(sql: Sql) {
  const [row] = await sql<
    { rows: number; applied: number; inbox: number; bad_balances: number; totals_ok: boolean }[]
  >`
    select
      (select count(*)::int from transactions) as rows,
      (select coalesce(sum(case when version = 2 then jsonb_array_length(payload->'data'->'transactions') else 1 end), 0)::int
         from outbox where type = 'transaction.applied') as applied,
      (select count(*)::int from inbox) as inbox,
      (select count(*)::int from accounts a
         where a.balance <> coalesce((select sum(amount) from transactions t where t.account_id = a.id), 0)) as bad_balances,
      (select coalesce(sum(fees_charged), 0) = (select coalesce(-sum(amount), 0) from transactions where kind = 'ASSIGN_FEE')
          and coalesce(sum(rewards_paid), 0) = (select coalesce(sum(amount), 0) from transactions where kind = 'TASK_REWARD')
          and coalesce(sum(transactions), 0) = (select count(*) from transactions)
         from daily_totals) as totals_ok`;
  return row;
}

/** Ledger rows whose balance_after is not their account's running sum in ledger order. */
export async function rowsOffTheirRunningSum(sql: Sql): Promise<number> {
  const [row] = await sql<{ bad: number }[]>`
    select count(*)::int as bad from (
      select balance_after, sum(amount) over (partition by account_id order by seq) as running from transactions
    ) x where balance_after <> running`;
  return row?.bad ?? -1;
}

/** Accounts with the given ids for these users, at balance 0. */
export async function openAccountsWithIds(
  sql: Sql,
  accounts: readonly { id: string; user_id: string }[],
): Promise<void> {
  await sql`
    insert into accounts (id, user_id, created_at)
    select id, user_id, now() from json_to_recordset(${JSON.stringify(accounts)}::json) as a(id uuid, user_id uuid)`;
}

/** Ledger rows, the transactions the outbox announces (v2: a batch per row) and inbox rows, each counted. */
export async function rowsOfEachKind(sql: Sql) {
  const [row] = await sql<{ rows: number; applied: number; inbox: number }[]>`
    select (select count(*)::int from transactions) as rows,
           (select coalesce(sum(case when version = 2 then jsonb_array_length(payload->'data'->'transactions') else 1 end), 0)::int
              from outbox) as applied,
           (select count(*)::int from inbox) as inbox`;
  return row;
}

/** Every account with its owner and balance, by id. */
export async function accountBalances(sql: Sql) {
  const rows = await sql<{ id: string; userId: string; balance: string }[]>`
    select id, user_id as "userId", balance from accounts order by id`;
  return rows.map((a) => ({ ...a, balance: Number(a.balance) }));
}

/** What the end-of-day ceiling left behind: PAID payouts, outbox rows, balances not 0. */
export async function ceilingCloseCounts(sql: Sql) {
  const [row] = await sql<{ paid: number; outbox: number; non_zero: number }[]>`
    select (select count(*)::int from payouts where status = 'PAID') as paid,
           (select count(*)::int from outbox) as outbox,
           (select count(*)::int from accounts where balance <> 0) as non_zero`;
  return row;
}
