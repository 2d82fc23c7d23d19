import type { Sql } from '@ates/service-kit';

// The analytics suite's synthetic history: staged as rows of `bench_tx`, loaded set-based into
// the read model, and read back for the projection to replay (bench/analytics/history.ts).

/**
 * A synthetic company history of `transactions` ledger transactions: `perDay` a day from
 * `firstDay` on, spread over `accounts` accounts; every task is priced when created, charged three
 * fees (creation and two shuffles) and completed once (its reward). Deterministic: the same
 * size gives the same history. Transaction n belongs to task n / 4 (positions 0–2 fees, 3 the
 * reward) and to day n / perDay; tasks complete in order through the day (UTC).
 */
export interface HistoryShape {
  transactions: number;
  perDay: number;
  accounts: number;
}

/** Stages the history as rows of `bench_tx` (one per transaction), from `firstDay` on. */
export async function stageHistory(sql: Sql, shape: HistoryShape, firstDay: string): Promise<void> {
  const { transactions: n, perDay, accounts } = shape;
  await sql`drop table if exists bench_tx`;
  await sql`
    create unlogged table bench_tx (
      n int primary key, day date not null, task int not null, pos int not null,
      account_id uuid not null, amount bigint not null, at timestamptz not null)`;
  await sql`
    insert into bench_tx
    select n,
           ${firstDay}::date + (n / ${perDay}::int),
           n / 4,
           n % 4,
           md5('account' || (abs(hashtext('a' || n)) % ${accounts}::int))::uuid,
           case when n % 4 = 3 then 2000 + abs(hashtext('r' || (n / 4))) % 2001
                else -(1000 + abs(hashtext('f' || (n / 4))) % 1001) end,
           (${firstDay}::date + (n / ${perDay}::int))::timestamp at time zone 'UTC'
             + make_interval(secs => (n % ${perDay}::int) * 86400.0 / ${perDay}::int)
    from generate_series(0, ${n - 1}::int) n`;
  await sql`create index on bench_tx (task, pos)`;
  await sql`analyze bench_tx`;
}

/**
 * Writes the read model of the staged history with set-based SQL: what the projection would
 * build (checked against the projection itself on the smallest size), in seconds instead of
 * hours. Includes the consumers' inbox rows, as a live read model has them.
 */
export async function bulkLoadReadModel(sql: Sql): Promise<void> {
  await sql`truncate daily_earnings, account_days, red_counts, tasks, inbox`;
  await sql`
    insert into daily_earnings (day, fees_charged, rewards_paid, transactions)
    select day, coalesce(sum(-amount) filter (where pos < 3), 0), coalesce(sum(amount) filter (where pos = 3), 0), count(*)
    from bench_tx group by day`;
  await sql`
    insert into account_days (account_id, day, balance)
    select account_id, day, sum(sum(amount)) over (partition by account_id order by day)
    from bench_tx group by account_id, day`;
  // An account is in red on [day, its next row) when its row's balance is negative: +1 and −1.
  await sql`
    with spans as (
      select day, balance, lead(day) over (partition by account_id order by day) as next from account_days
    ), deltas as (
      select day, 1 as d from spans where balance < 0
      union all
      select next, -1 from spans where balance < 0 and next is not null
    )
    insert into red_counts (day, popugs)
    select day, sum(sum(d)) over (order by day) from deltas group by day`;
  await sql`
    insert into tasks (id, title, reward, completed_at, completed_day, completed_week, completed_month)
    select md5('task' || t.task)::uuid, 'Task ' || t.task, 2000 + abs(hashtext('r' || t.task)) % 2001,
           c.at, c.day, date_trunc('week', c.day)::date, date_trunc('month', c.day)::date
    from bench_tx t left join bench_tx c on c.task = t.task and c.pos = 3
    where t.pos = 0`;
  await sql`
    insert into inbox (consumer, event_id, type, version, stream_seq)
    select 'analytics-accounting', gen_random_uuid(), 'transaction.applied', 1, n from bench_tx
    union all
    select 'analytics-accounting', gen_random_uuid(), 'task.priced', 1, n from bench_tx where pos = 0
    union all
    select 'analytics-tasks', gen_random_uuid(), 'task.created', 2, n from bench_tx where pos = 0
    union all
    select 'analytics-tasks', gen_random_uuid(), 'task.completed', 1, n from bench_tx where pos = 3`;
  await sql`vacuum analyze daily_earnings, account_days, red_counts, tasks, inbox`;
}

export interface StagedRow {
  n: number;
  day: string;
  task: number;
  pos: number;
  account_id: string;
  amount: number;
  at: string;
  task_id: string;
  reward: number;
}

/** The staged transactions in order, each with its task's id and reward. */
export const stagedTransactions = (sql: Sql) =>
  sql<StagedRow[]>`
    select n, day::text as day, task, pos, account_id, amount,
           to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, md5('task' || task)::uuid::text as task_id,
           2000 + abs(hashtext('r' || task)) % 2001 as reward
    from bench_tx order by n`;

/** Empties the read model (not the inbox). */
export async function emptyReadModel(sql: Sql): Promise<void> {
  await sql`truncate daily_earnings, account_days, red_counts, tasks`;
}

export async function dropStagedHistory(sql: Sql): Promise<void> {
  await sql`drop table bench_tx`;
}

/** The read model's size: its rows by table and the database's megabytes. */
export async function readModelSize(sql: Sql): Promise<Record<string, number>> {
  const [counts] = await sql<[Record<string, number>]>`
    select (select count(*)::int from account_days) as "accountDays",
           (select count(*)::int from red_counts) as "redCountRows",
           (select count(*)::int from tasks) as tasks,
           (select count(*)::int from inbox) as "inboxRows",
           (pg_database_size(current_database()) / 1048576)::int as "databaseMb"`;
  return counts;
}
