import type { Sql } from 'postgres';

// What the events suite reads from the pipeline's databases while and after it runs.

export interface Totals {
  fees: number;
  feeCents: string;
  transactions: number;
}

export async function knownPopugs(tasks: Sql): Promise<number> {
  const [row] = await tasks<[{ n: number }]>`select count(*)::int as n from popugs`;
  return row?.n ?? 0;
}

export async function openAccounts(accounting: Sql): Promise<number> {
  const [row] = await accounting<[{ n: number }]>`select count(*)::int as n from accounts`;
  return row?.n ?? 0;
}

export async function accountingTotals(accounting: Sql): Promise<Totals> {
  const [row] = await accounting<[Totals]>`
    select count(*) filter (where kind = 'ASSIGN_FEE')::int as fees,
           coalesce(sum(-amount) filter (where kind = 'ASSIGN_FEE'), 0)::text as "feeCents",
           count(*) filter (where kind in ('ASSIGN_FEE', 'TASK_REWARD'))::int as transactions
    from transactions`;
  if (!row) throw new Error('no totals');
  return row;
}

export async function analyticsTotals(analytics: Sql): Promise<Omit<Totals, 'fees'>> {
  const [row] = await analytics<[Omit<Totals, 'fees'>]>`
    select coalesce(sum(fees_charged), 0)::text as "feeCents", coalesce(sum(transactions), 0)::int as transactions
    from daily_earnings`;
  if (!row) throw new Error('no totals');
  return row;
}

/**
 * Accounting's running count of transactions, from its one row per day: cheap enough to poll
 * every 20 ms while the pipeline runs (here every transaction is a fee).
 */
export async function accountingRunningTotals(accounting: Sql): Promise<{ transactions: number }> {
  const [row] = await accounting<[{ transactions: number }]>`
    select coalesce(sum(transactions), 0)::int as transactions from daily_totals`;
  if (!row) throw new Error('no running totals');
  return row;
}

/** The `task.assigned` events tasks wrote for these tasks, with when its relay's step took them (epoch ms). */
export const assignmentsOfTasks = (tasks: Sql, taskIds: readonly string[]) =>
  tasks<{ id: string; taskId: string; publishedAt: number }[]>`
    select id, aggregate_id as "taskId", (extract(epoch from published_at) * 1000)::float8 as "publishedAt"
    from outbox where type = 'task.assigned' and aggregate_id = any(${taskIds}::text[])`;

/**
 * The `transaction.applied` events accounting wrote announcing these tasks' fees (v2: one per
 * batch), with when its relay's step took them (epoch ms).
 */
export const feesOfTasks = (accounting: Sql, taskIds: readonly string[]) =>
  accounting<{ id: string; taskId: string; publishedAt: number }[]>`
    select o.id, t->>'taskId' as "taskId",
           (extract(epoch from o.published_at) * 1000)::float8 as "publishedAt"
    from outbox o,
         jsonb_array_elements(case when o.version = 2 then o.payload->'data'->'transactions'
                                   else jsonb_build_array(o.payload->'data') end) t
    where o.type = 'transaction.applied' and t->>'kind' = 'ASSIGN_FEE'
      and t->>'taskId' = any(${taskIds}::text[])`;

/** When (epoch ms) a consumer's inbox took each event of a type (every type when omitted). */
export async function inboxTimes(sql: Sql, consumer: string, type?: string): Promise<Map<string, number>> {
  const rows = await sql<{ eventId: string; at: number }[]>`
    select event_id as "eventId", (extract(epoch from processed_at) * 1000)::float8 as at
    from inbox where consumer = ${consumer} ${type === undefined ? sql`` : sql`and type = ${type}`}`;
  return new Map(rows.map((r) => [r.eventId, r.at]));
}

/** Fees and rewards (cents, as text) and transactions summed over analytics' daily earnings. */
export async function earningsSums(analytics: Sql) {
  const [row] = await analytics<[{ fees: string; rewards: string; n: number }]>`
    select sum(fees_charged)::text as fees, sum(rewards_paid)::text as rewards, sum(transactions)::int as n
    from daily_earnings`;
  return row;
}

/** The messages an outbox sent since `since`: how many, and their mean body size in bytes. */
export async function outboxShape(sql: Sql, since: string): Promise<{ messages: number; bytes: number }> {
  const [row] = await sql<[{ messages: number; bytes: number }]>`
    select count(*)::int as messages, coalesce(round(avg(octet_length(payload::text))), 0)::int as bytes
    from outbox where created_at >= ${since}::timestamptz`;
  if (!row) throw new Error('no outbox shape');
  return row;
}
