import { and, desc, gte, lt, lte, sql } from 'drizzle-orm';
import { jsonParam } from '@ates/service-kit';
import type { BalanceRow, RedChange } from '../domain/balances.ts';
import type { Day } from '../domain/calendar.ts';
import type { AnalyticsTx } from './db.ts';
import { accountDays, redCounts } from './schema.ts';

interface BalanceRecord extends Record<string, unknown> {
  day: string;
  balance: string | number;
}

/**
 * Moves an account's end-of-day balances by a transaction of `amount` on `day`: the row of
 * `day` (made from the latest row before it, or 0) and every later row. Returns the rows from
 * `day` on after the change, ascending; before it, each held `balance − amount`. One statement.
 */
export async function addToBalances(
  db: AnalyticsTx,
  accountId: string,
  day: Day,
  amount: number,
): Promise<BalanceRow[]> {
  const t = accountDays;
  const rows = await db.execute<BalanceRecord>(sql`
    with own as (
      insert into ${t} (account_id, day, balance)
      values (${accountId}, ${day}, ${amount} + coalesce((
        select balance from ${t} where account_id = ${accountId} and day < ${day} order by day desc limit 1), 0))
      on conflict (account_id, day) do update set balance = ${t}.balance + ${amount}
      returning day, balance
    ), later as (
      update ${t} set balance = balance + ${amount}
      where account_id = ${accountId} and day > ${day}
      returning day, balance
    )
    select day::text as day, balance from own
    union all
    select day::text, balance from later`);
  return rows
    .map((r) => ({ day: r.day, balance: Number(r.balance) }))
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** Makes sure the count in red has a row on `day`, holding the count that applied there. */
async function ensureRedRow(db: AnalyticsTx, day: Day): Promise<void> {
  const current = db
    .select({ popugs: redCounts.popugs })
    .from(redCounts)
    .where(lte(redCounts.day, day))
    .orderBy(desc(redCounts.day))
    .limit(1);
  await db.execute(sql`
    insert into ${redCounts} (day, popugs)
    values (${day}, coalesce((${current}), 0))
    on conflict do nothing`);
}

/** Moves the count in red by `delta` on the days from `from` up to `to` (exclusive; null: all later). */
export async function applyRedChange(db: AnalyticsTx, change: RedChange): Promise<void> {
  await ensureRedRow(db, change.from);
  if (change.to !== null) await ensureRedRow(db, change.to);
  await db
    .update(redCounts)
    .set({ popugs: sql`${redCounts.popugs} + ${change.delta}` })
    .where(
      and(gte(redCounts.day, change.from), change.to === null ? undefined : lt(redCounts.day, change.to)),
    );
}

interface MovedRecord extends Record<string, unknown> {
  accountId: string;
  day: string;
  balance: string | number;
}

/**
 * `addToBalances` for many accounts in one statement (each account at most once): every
 * account's row of its day (made from its latest row before, or 0) and every later row move by
 * its amount. Returns each account's rows from its day on after the change, ascending.
 */
export async function moveBalances(
  db: AnalyticsTx,
  moves: readonly { accountId: string; day: Day; amount: number }[],
): Promise<Map<string, BalanceRow[]>> {
  const out = new Map<string, BalanceRow[]>();
  if (moves.length === 0) return out;
  const t = accountDays;
  const rows = await db.execute<MovedRecord>(sql`
    with input as (
      select * from jsonb_to_recordset(${jsonParam(moves)}) as i("accountId" uuid, day date, amount bigint)
    ), moved as (
      update ${t} d set balance = d.balance + i.amount
      from input i
      where d.account_id = i."accountId" and d.day >= i.day
      returning d.account_id, d.day, d.balance
    ), added as (
      insert into ${t} (account_id, day, balance)
      select i."accountId", i.day, i.amount + coalesce((
        select p.balance from ${t} p where p.account_id = i."accountId" and p.day < i.day
        order by p.day desc limit 1), 0)
      from input i
      where not exists (select 1 from ${t} e where e.account_id = i."accountId" and e.day = i.day)
      returning account_id, day, balance
    )
    select account_id::text as "accountId", day::text as day, balance from moved
    union all
    select account_id::text, day::text, balance from added`);
  for (const r of rows) {
    const list = out.get(r.accountId) ?? [];
    list.push({ day: r.day, balance: Number(r.balance) });
    out.set(r.accountId, list);
  }
  for (const list of out.values()) list.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  return out;
}

/**
 * `applyRedChange` for many changes in two statements: a row on every day a change starts or
 * ends (holding the count that applied there), then each row moved by the changes covering it.
 */
export async function moveRedCounts(db: AnalyticsTx, changes: readonly RedChange[]): Promise<void> {
  if (changes.length === 0) return;
  const boundaries = [...new Set(changes.flatMap((c) => (c.to === null ? [c.from] : [c.from, c.to])))];
  await db.execute(sql`
    insert into ${redCounts} (day, popugs)
    select b.day, coalesce((
      select c.popugs from ${redCounts} c where c.day <= b.day order by c.day desc limit 1), 0)
    from jsonb_to_recordset(${jsonParam(boundaries.map((day) => ({ day })))}) as b(day date)
    on conflict do nothing`);
  await db.execute(sql`
    update ${redCounts} r set popugs = r.popugs + s.delta
    from (
      select d.day, sum(c.delta)::int as delta
      from ${redCounts} d
      join jsonb_to_recordset(${jsonParam(changes)}) as c("from" date, "to" date, delta int)
        on c."from" <= d.day and (c."to" is null or d.day < c."to")
      group by d.day
      having sum(c.delta) <> 0
    ) s
    where r.day = s.day`);
}
