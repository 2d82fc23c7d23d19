import { and, desc, eq, gte, lt, lte, sql } from 'drizzle-orm';
import type { Day } from '../domain/business-day.ts';
import { factKeys, type TransactionKind } from '../domain/ledger.ts';
import type { AccountingTx } from './db.ts';
import { jsonParam, preparedPerDb, uuidArrayParam } from '@ates/service-kit';
import { dailyTotals, transactions, type TransactionRow } from './schema.ts';

/**
 * Appends ledger rows in one statement, in the given order (their `seq` follows it), and returns
 * them; a row whose business fact is already there is an error (the
 * caller checked them under its locks: a conflict means a concurrent writer, and a retry), and
 * so is a row of an account that does not exist (joined here, once per batch, instead of a
 * foreign key's query per row).
 */
export async function appendTransactions(
  db: AccountingTx,
  rows: readonly Omit<TransactionRow, 'seq'>[],
): Promise<TransactionRow[]> {
  if (rows.length === 0) return [];
  // Each row as a JSON array, not an object: no key names to build, send and look up (a third
  // of the parameter's bytes; socket writes are a large share of the consumer's CPU).
  const tuples = rows.map((r) => [
    r.id,
    r.accountId,
    r.kind,
    r.amount,
    r.balanceAfter,
    r.taskId,
    r.assignmentNo,
    r.eventId,
    r.description,
    r.day,
    r.createdAt.toISOString(),
  ]);
  const inserted = await db.execute<{ id: string; seq: string | number }>(sql`
    insert into transactions
      (id, account_id, kind, amount, balance_after, task_id, assignment_no, event_id, description, day, created_at)
    select (r->>0)::uuid, (r->>1)::uuid, r->>2, (r->>3)::bigint, (r->>4)::bigint, (r->>5)::uuid,
           (r->>6)::int, (r->>7)::uuid, r->>8, (r->>9)::date, (r->>10)::timestamptz
    from jsonb_array_elements(${jsonParam(tuples)}) with ordinality as e(r, n)
    join accounts a on a.id = (r->>1)::uuid
    order by n
    returning id, seq`);
  const seqOf = new Map(inserted.map((r) => [r.id, Number(r.seq)]));
  return rows.map((row) => {
    const seq = seqOf.get(row.id);
    if (seq === undefined) throw new Error(`ledger row ${row.id} was not appended`);
    return { ...row, seq };
  });
}

/**
 * The facts the ledger already holds (see factKeys) about these tasks: the fees of the tasks
 * whose fees are about to be posted, the rewards of those whose rewards are; one read, each arm
 * on the partial unique index that makes its fact unique. (An event applied before is the
 * inbox's to skip; the ledger's unique index on `event_id` backs it.)
 */
export async function recordedFacts(
  db: AccountingTx,
  tasks: { fees: readonly string[]; rewards: readonly string[] },
): Promise<Set<string>> {
  const fees = [...new Set(tasks.fees)];
  const rewards = [...new Set(tasks.rewards)];
  if (fees.length === 0 && rewards.length === 0) return new Set();
  const rows = await db.execute<{
    kind: TransactionKind;
    task_id: string;
    assignment_no: number | null;
  }>(sql`
    select kind, task_id, assignment_no from transactions
      where kind = 'ASSIGN_FEE' and task_id = any(${uuidArrayParam(fees)})
    union all
    select kind, task_id, assignment_no from transactions
      where kind = 'TASK_REWARD' and task_id = any(${uuidArrayParam(rewards)})`);
  return new Set(
    Array.from(rows, (r) =>
      factKeys({ kind: r.kind, eventId: '', taskId: r.task_id, assignmentNo: r.assignment_no }).filter(
        (k) => !k.startsWith('event:'),
      ),
    ).flat(),
  );
}

const TOTAL_COLUMN: Record<TransactionKind, 'feesCharged' | 'rewardsPaid' | 'payoutsMade'> = {
  ASSIGN_FEE: 'feesCharged',
  TASK_REWARD: 'rewardsPaid',
  PAYOUT: 'payoutsMade',
};

/** Adds rows to their days' figures (positive cents per kind): one upsert, one row per day. */
export async function addRowsToDailyTotals(
  db: AccountingTx,
  rows: readonly Pick<TransactionRow, 'day' | 'kind' | 'amount'>[],
): Promise<void> {
  const byDay = new Map<
    Day,
    { feesCharged: number; rewardsPaid: number; payoutsMade: number; payouts: number; transactions: number }
  >();
  for (const row of rows) {
    const totals = byDay.get(row.day) ?? {
      feesCharged: 0,
      rewardsPaid: 0,
      payoutsMade: 0,
      payouts: 0,
      transactions: 0,
    };
    totals[TOTAL_COLUMN[row.kind]] += Math.abs(row.amount);
    if (row.kind === 'PAYOUT') totals.payouts += 1;
    totals.transactions += 1;
    byDay.set(row.day, totals);
  }
  if (byDay.size === 0) return;
  const values = [...byDay].map(([day, t]) => ({
    day,
    fees: t.feesCharged,
    rewards: t.rewardsPaid,
    payouts: t.payoutsMade,
    p: t.payouts,
    n: t.transactions,
  }));
  await db.execute(sql`
    insert into daily_totals (day, fees_charged, rewards_paid, payouts_made, payout_count, transactions)
    select day, fees, rewards, payouts, p, n
    from jsonb_to_recordset(${jsonParam(values)})
      as v(day date, fees bigint, rewards bigint, payouts bigint, p int, n int)
    on conflict (day) do update set
      fees_charged = daily_totals.fees_charged + excluded.fees_charged,
      rewards_paid = daily_totals.rewards_paid + excluded.rewards_paid,
      payouts_made = daily_totals.payouts_made + excluded.payouts_made,
      payout_count = daily_totals.payout_count + excluded.payout_count,
      transactions = daily_totals.transactions + excluded.transactions`);
}

/** One page of an account's audit log, newest first, after the cursor; one extra row tells if more follow. */
export async function pageTransactions(
  db: AccountingTx,
  accountId: string,
  options: { first: number; afterSeq: number | null; day: Day | null },
): Promise<{ rows: TransactionRow[]; hasNextPage: boolean }> {
  const { day, afterSeq } = options;
  const query = auditPage[day === null ? 'all' : 'day'][afterSeq === null ? 'first' : 'after'](db);
  const rows = await query.execute({ accountId, day, afterSeq, limit: options.first + 1 });
  return { rows: rows.slice(0, options.first), hasNextPage: rows.length > options.first };
}

/** The audit log's four shapes (with or without a day, a cursor), each prepared once. */
const auditPageQuery = (name: string, byDay: boolean, afterCursor: boolean) =>
  preparedPerDb((db: AccountingTx) =>
    db
      .select()
      .from(transactions)
      .where(
        and(
          eq(transactions.accountId, sql.placeholder('accountId')),
          byDay ? eq(transactions.day, sql.placeholder('day')) : undefined,
          afterCursor ? lt(transactions.seq, sql.placeholder('afterSeq')) : undefined,
        ),
      )
      .orderBy(desc(transactions.seq))
      .limit(sql.placeholder('limit'))
      .prepare(name),
  );
const auditPage = {
  all: {
    first: auditPageQuery('audit_page', false, false),
    after: auditPageQuery('audit_page_after', false, true),
  },
  day: {
    first: auditPageQuery('audit_page_day', true, false),
    after: auditPageQuery('audit_page_day_after', true, true),
  },
};

export async function totalsBetween(db: AccountingTx, from: Day, to: Day) {
  return db
    .select({
      day: dailyTotals.day,
      feesCharged: dailyTotals.feesCharged,
      rewardsPaid: dailyTotals.rewardsPaid,
    })
    .from(dailyTotals)
    .where(and(gte(dailyTotals.day, from), lte(dailyTotals.day, to)));
}
