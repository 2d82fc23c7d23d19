import type { Sql, TransactionSql } from 'postgres';

// The ceilings' writes: the rows the real paths keep, raw multi-row statements, no decisions.

type Row = Record<string, unknown>;
/** `(id, amount)` pairs for a `values` list. */
type Amounts = (string | number)[][];

/** One lane's batch of postings: inbox, ledger rows, the balances' deltas, transaction.applied. */
export async function writePostings(
  tx: TransactionSql,
  rows: { inbox: Row[]; ledger: Row[]; outbox: Row[]; deltas: Amounts },
): Promise<void> {
  await tx`insert into inbox ${tx(rows.inbox)}`;
  await tx`insert into transactions ${tx(rows.ledger)}`;
  await tx`update accounts a set balance = a.balance + v.delta::bigint
           from (values ${tx(rows.deltas)}) as v(id, delta) where a.id = v.id::uuid`;
  await tx`insert into outbox ${tx(rows.outbox)}`;
}

/** One page of a day's close: PAYOUT rows, payouts, balances down, transaction.applied. */
export async function writeClosePage(
  tx: TransactionSql,
  page: { ledger: Row[]; payouts: Row[]; balances: Amounts; applied: Row[] },
  day: string,
): Promise<void> {
  await tx`insert into transactions ${tx(page.ledger)}`;
  await tx`insert into payouts ${tx(page.payouts)}`;
  await tx`update accounts a set balance = a.balance - v.x::bigint, closed_through = ${day}::date
           from (values ${tx(page.balances)}) as v(id, x) where a.id = v.id::uuid`;
  await tx`insert into outbox ${tx(page.applied)}`;
}

/** Payouts the bank confirmed: PAID, with their events. */
export async function writePaid(tx: TransactionSql, batch: { paid: string[]; outbox: Row[] }): Promise<void> {
  await tx`update payouts set status = 'PAID', attempts = attempts + 1, paid_at = now(),
           provider_payment_id = 'ceiling' where id = any(${batch.paid}::uuid[])`;
  await tx`insert into outbox ${tx(batch.outbox)}`;
}

/** The bank's side of a batch: its payments. */
export async function writePayments(bank: Sql, rows: Row[]): Promise<void> {
  await bank`insert into payments ${bank(rows)}`;
}
