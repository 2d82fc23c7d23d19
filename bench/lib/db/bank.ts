import type { Sql } from 'postgres';

// The payment sandbox's database, as the end-of-day suite empties and checks it.

export async function emptyBank(sql: Sql): Promise<void> {
  await sql`truncate payments`;
}

/** Payments the bank made, and how many distinct idempotency keys they carry. */
export async function bankPaymentCounts(sql: Sql) {
  const [row] = await sql<{ payments: number; keys: number }[]>`
    select count(*)::int as payments, count(distinct idempotency_key)::int as keys from payments`;
  return row;
}

export async function paymentsMade(sql: Sql): Promise<number> {
  const [row] = await sql<{ payments: number }[]>`select count(*)::int as payments from payments`;
  return row?.payments ?? 0;
}
