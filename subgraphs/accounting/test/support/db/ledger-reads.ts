import { eq, sql } from 'drizzle-orm';
import type { AccountingTx } from '../../../src/db/db.ts';
import { outbox, transactions } from '../../../src/db/tables.ts';

/** A day's fees, rewards and row count summed from its ledger rows (not from the daily totals). */
export async function dayTotalsFromLedgerRows(db: AccountingTx, day: string) {
  const [totals] = await db
    .select({
      fees: sql<number>`(-sum(amount) filter (where kind = 'ASSIGN_FEE'))::int8`.mapWith(Number),
      rewards: sql<number>`(sum(amount) filter (where kind = 'TASK_REWARD'))::int8`.mapWith(Number),
      n: sql<number>`count(*)::int`,
    })
    .from(transactions)
    .where(eq(transactions.day, day));
  return totals!;
}

/** The outbox rows that announce one ledger row (a `transaction.applied` v2 listing its id). */
export const eventsOfTransaction = (db: AccountingTx, transactionId: string) =>
  db
    .select()
    .from(outbox)
    .where(
      sql`${outbox.type} = 'transaction.applied' and exists (
        select 1 from jsonb_array_elements(${outbox.payload}->'data'->'transactions') t
        where t->>'transactionId' = ${transactionId})`,
    );

/** How many statements reading accounts by user are prepared on the session that asks. */
export async function preparedAccountLookups(db: AccountingTx): Promise<number> {
  const rows = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from pg_prepared_statements
        where statement like '%"accounts"."user_id" = any(%' and statement not like '%pg_prepared_statements%'`,
  );
  return rows[0]!.n;
}
