import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  date,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { TransactionKind } from '../domain/ledger.ts';

export type { TransactionKind };

/** Integer cents: never floating point (docs/business-rules.md#fees-rewards-and-balances). Safe up to ±90 trillion dollars. */
const cents = (name: string) => bigint(name, { mode: 'number' });
const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const day = (name: string) => date(name, { mode: 'string' });

/**
 * One account per user, opened by the users' events or on first sight of the user in any
 * event. `balance` is the sum of the account's transactions, kept in the same transaction as
 * each ledger row under the row lock (no lost update). `closedThrough` is the last billing
 * day closed for this account: its open day is the day after, or today if that is later.
 * Never deleted (a trigger refuses it): the ledger, payouts and closes refer to it by id.
 * Fillfactor 50 (migration 0007, not expressible here): a balance update finds room on its page
 * and is a HOT update, with no new entry in either index.
 */
export const accounts = pgTable('accounts', {
  id: uuid('id').primaryKey(),
  userId: uuid('user_id').notNull().unique(),
  balance: cents('balance').notNull().default(0),
  closedThrough: day('closed_through'),
  createdAt: instant('created_at').notNull(),
});

/**
 * Every task accounting has seen, priced once on first sight (fees and rewards are positive
 * cents and never change). The `*Reported` counters are what the task tracker said happened,
 * carried by its events (the highest `assignmentNo`, completions): reconciliation compares
 * them with the ledger. Fillfactor 70 (migration 0007): raising the counters is a HOT update.
 */
export const pricedTasks = pgTable('tasks', {
  id: uuid('id').primaryKey(),
  title: text('title').notNull(),
  jiraId: text('jira_id'),
  assignFee: cents('assign_fee').notNull(),
  reward: cents('reward').notNull(),
  pricedAt: instant('priced_at').notNull(),
  assignmentsReported: integer('assignments_reported').notNull().default(0),
  completionsReported: integer('completions_reported').notNull().default(0),
});

/**
 * The ledger: immutable rows (a trigger refuses UPDATE and DELETE). `seq` orders the audit log.
 * The partial unique indexes make a business fact count once whatever event carries it: one
 * fee per (task, assignment number), one reward per task. Every index costs every posting, so
 * each has a reader: the facts (the two partial indexes, also read before a batch posts), the
 * audit log (with and without a day) and the close (an account's rows after a day). `seq` comes
 * from its sequence, unique without an index; reconciliation scans the whole ledger anyway.
 * No unique index on `event_id`: every event that posts is a fee or a reward, so a second
 * posting of one event is already refused by its fact's index (migration 0005).
 * `account_id` has no foreign key: accounts are never deleted (a trigger refuses it), and every
 * row is written under its account's row lock; the key's check cost a query per row (0005).
 */
export const transactions = pgTable(
  'transactions',
  {
    id: uuid('id').primaryKey(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    accountId: uuid('account_id').notNull(),
    kind: text('kind').$type<TransactionKind>().notNull(),
    amount: cents('amount').notNull(),
    balanceAfter: cents('balance_after').notNull(),
    taskId: uuid('task_id'),
    assignmentNo: integer('assignment_no'),
    /** The event that caused it (payouts may have none). */
    eventId: uuid('event_id'),
    description: text('description').notNull(),
    day: day('day').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('transactions_one_fee_per_assignment')
      .on(t.taskId, t.assignmentNo)
      .where(sql`${t.kind} = 'ASSIGN_FEE'`),
    uniqueIndex('transactions_one_reward_per_task')
      .on(t.taskId)
      .where(sql`${t.kind} = 'TASK_REWARD'`),
    index('transactions_audit_idx').on(t.accountId, t.seq.desc()),
    index('transactions_audit_day_idx').on(t.accountId, t.day, t.seq.desc()),
    check(
      'transactions_sign',
      sql`(${t.kind} = 'TASK_REWARD' and ${t.amount} > 0) or (${t.kind} <> 'TASK_REWARD' and ${t.amount} < 0)`,
    ),
    check(
      'transactions_fee_has_assignment',
      sql`(${t.kind} = 'ASSIGN_FEE') = (${t.assignmentNo} is not null)`,
    ),
  ],
);

/**
 * Per business day figures, updated in the transaction of every ledger row, so the dashboard
 * reads one row per day and never scans the ledger. Positive cents.
 */
export const dailyTotals = pgTable('daily_totals', {
  day: day('day').primaryKey(),
  feesCharged: cents('fees_charged').notNull().default(0),
  rewardsPaid: cents('rewards_paid').notNull().default(0),
  payoutsMade: cents('payouts_made').notNull().default(0),
  /** How many PAYOUT rows (one per payout): the close counts its accounts paid here (0006). */
  payoutCount: integer('payout_count').notNull().default(0),
  transactions: integer('transactions').notNull().default(0),
});

/**
 * Billing days that have been closed, with the close's figures (absent = open). The row is
 * written last, in the transaction that ends the close: its presence means every account was
 * closed through the day, and a repeated close returns these figures.
 */
export const billingDays = pgTable('billing_days', {
  day: day('day').primaryKey(),
  closedAt: instant('closed_at').notNull(),
  accountsPaid: integer('accounts_paid').notNull().default(0),
  /** Positive cents. */
  totalPaid: cents('total_paid').notNull().default(0),
  accountsInRed: integer('accounts_in_red').notNull().default(0),
});

/**
 * The accounts a close carried over in the red, with their closing balance. Written in the
 * account's close transaction, so a close that resumes after a crash still counts the ones it
 * closed before. Paid accounts have no row since 0006 (their payout and the day's totals record
 * them); rows written before it also name the payout (`payoutId`).
 */
export const billingDayAccounts = pgTable(
  'billing_day_accounts',
  {
    day: day('day').notNull(),
    /** No foreign key, as on the ledger: written under the account's lock, never deleted (0005). */
    accountId: uuid('account_id').notNull(),
    /** The account's balance at the end of the day, before the payout. */
    closingBalance: cents('closing_balance').notNull(),
    payoutId: uuid('payout_id'),
  },
  (t) => [primaryKey({ columns: [t.day, t.accountId] })],
);

export type PayoutStatus = 'PENDING' | 'PAID' | 'FAILED';

/**
 * One payout per account and closed day with a positive closing balance. Its id is the
 * idempotency key at the payment provider, so a payout is paid at most once whatever is
 * retried. PENDING → PAID, or PENDING → FAILED → … → PAID; PAID is final.
 */
export const payouts = pgTable(
  'payouts',
  {
    id: uuid('id').primaryKey(),
    /** No foreign key, as on the ledger: written under the account's lock, never deleted (0005). */
    accountId: uuid('account_id').notNull(),
    userId: uuid('user_id').notNull(),
    day: day('day').notNull(),
    /** Positive cents. */
    amount: cents('amount').notNull(),
    /** The PAYOUT ledger row that took the amount off the balance. */
    transactionId: uuid('transaction_id').notNull(),
    status: text('status').$type<PayoutStatus>().notNull(),
    /** Calls to the provider so far. */
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** When the payer may call the provider next (backoff after a failure). */
    nextAttemptAt: instant('next_attempt_at').notNull(),
    paidAt: instant('paid_at'),
    providerPaymentId: text('provider_payment_id'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    unique('payouts_one_per_account_day').on(t.accountId, t.day),
    index('payouts_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} <> 'PAID'`),
    check('payouts_amount_positive', sql`${t.amount} > 0`),
    check('payouts_status', sql`${t.status} in ('PENDING', 'PAID', 'FAILED')`),
    check('payouts_paid_has_time', sql`(${t.status} = 'PAID') = (${t.paidAt} is not null)`),
  ],
);

export type AccountRow = typeof accounts.$inferSelect;
export type PricedTaskRow = typeof pricedTasks.$inferSelect;
export type TransactionRow = typeof transactions.$inferSelect;
export type DailyTotalsRow = typeof dailyTotals.$inferSelect;
export type BillingDayRow = typeof billingDays.$inferSelect;
export type PayoutRow = typeof payouts.$inferSelect;
