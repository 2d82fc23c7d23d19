import { and, desc, eq, gte, lt, lte, sql } from 'drizzle-orm';
import type { Day } from '../domain/business-day.ts';
import type { TransactionKind } from '../domain/ledger.ts';
import type { AccountingTx } from './db.ts';
import { dailyTotals, transactions, type TransactionRow } from './schema.ts';

type NewTransaction = typeof transactions.$inferInsert;

/**
 * Appends a ledger row unless its business fact is already there (the same event, the same
 * assignment of a task, or the task's reward): then nothing is written and undefined returned.
 */
export async function appendTransaction(
  db: AccountingTx,
  row: NewTransaction,
): Promise<TransactionRow | undefined> {
  const [inserted] = await db.insert(transactions).values(row).onConflictDoNothing().returning();
  return inserted;
}

const TOTAL_COLUMN: Record<TransactionKind, 'feesCharged' | 'rewardsPaid' | 'payoutsMade'> = {
  ASSIGN_FEE: 'feesCharged',
  TASK_REWARD: 'rewardsPaid',
  PAYOUT: 'payoutsMade',
};

/** Adds a transaction to its day's figures (positive cents per kind), in the caller's transaction. */
export async function addToDailyTotals(db: AccountingTx, day: Day, kind: TransactionKind, amount: number) {
  const column = TOTAL_COLUMN[kind];
  const magnitude = Math.abs(amount);
  await db
    .insert(dailyTotals)
    .values({ day, [column]: magnitude, transactions: 1 })
    .onConflictDoUpdate({
      target: dailyTotals.day,
      set: {
        [column]: sql`${dailyTotals[column]} + ${magnitude}`,
        transactions: sql`${dailyTotals.transactions} + 1`,
      },
    });
}

/** One page of an account's audit log, newest first, after the cursor; one extra row tells if more follow. */
export async function pageTransactions(
  db: AccountingTx,
  accountId: string,
  options: { first: number; afterSeq: number | null; day: Day | null },
): Promise<{ rows: TransactionRow[]; hasNextPage: boolean }> {
  const rows = await db
    .select()
    .from(transactions)
    .where(
      and(
        eq(transactions.accountId, accountId),
        options.day ? eq(transactions.day, options.day) : undefined,
        options.afterSeq === null ? undefined : lt(transactions.seq, options.afterSeq),
      ),
    )
    .orderBy(desc(transactions.seq))
    .limit(options.first + 1);
  return { rows: rows.slice(0, options.first), hasNextPage: rows.length > options.first };
}

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
