import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  date,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { TransactionKind } from '../domain/ledger.ts';

export type { TransactionKind };

/** Integer cents: never floating point (SPEC → Accounting). Safe up to ±90 trillion dollars. */
const cents = (name: string) => bigint(name, { mode: 'number' });
const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const day = (name: string) => date(name, { mode: 'string' });

/**
 * One account per user, opened by the users' events or on first sight of the user in any
 * event. `balance` is the sum of the account's transactions, kept in the same transaction as
 * each ledger row under the row lock (no lost update). `closedThrough` is the last billing
 * day closed for this account: its open day is the day after, or today if that is later.
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
 * them with the ledger.
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
 * fee per (task, assignment number), one reward per task.
 */
export const transactions = pgTable(
  'transactions',
  {
    id: uuid('id').primaryKey(),
    seq: bigserial('seq', { mode: 'number' }).notNull().unique(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id),
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
    uniqueIndex('transactions_event_id_key').on(t.eventId),
    uniqueIndex('transactions_one_fee_per_assignment')
      .on(t.taskId, t.assignmentNo)
      .where(sql`${t.kind} = 'ASSIGN_FEE'`),
    uniqueIndex('transactions_one_reward_per_task')
      .on(t.taskId)
      .where(sql`${t.kind} = 'TASK_REWARD'`),
    index('transactions_audit_idx').on(t.accountId, t.seq.desc()),
    index('transactions_audit_day_idx').on(t.accountId, t.day, t.seq.desc()),
    index('transactions_task_idx').on(t.taskId),
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
  transactions: integer('transactions').notNull().default(0),
});

/** Billing days that have been closed (the payouts issue closes them); absent = open. */
export const billingDays = pgTable('billing_days', {
  day: day('day').primaryKey(),
  closedAt: instant('closed_at').notNull(),
});

export type AccountRow = typeof accounts.$inferSelect;
export type PricedTaskRow = typeof pricedTasks.$inferSelect;
export type TransactionRow = typeof transactions.$inferSelect;
export type DailyTotalsRow = typeof dailyTotals.$inferSelect;
