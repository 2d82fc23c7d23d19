import { sql } from 'drizzle-orm';
import { bigint, check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Every payment the sandbox "bank" made. The idempotency key is unique: a repeated request
 * finds the payment made for it instead of paying again, across restarts too. `request_hash`
 * tells a true retry (same body) from a reuse of the key for another payment (refused, 409).
 */
export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    requestHash: text('request_hash').notNull(),
    accountId: text('account_id').notNull(),
    userId: text('user_id').notNull(),
    amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
    currency: text('currency').$type<'USD'>().notNull(),
    description: text('description').notNull(),
    status: text('status').$type<'PAID'>().notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    index('payments_account_idx').on(t.accountId, t.paidAt),
    index('payments_user_idx').on(t.userId, t.paidAt),
    check('payments_amount_positive', sql`${t.amountCents} > 0`),
  ],
);

export type PaymentRow = typeof payments.$inferSelect;
