import type { Sql } from 'postgres';

/** Every payout in accounting's database, with its status, by id. */
export const allPayouts = (sql: Sql) =>
  sql<{ id: string; user_id: string; status: string }[]>`
    select id, user_id, status from payouts order by id`;
