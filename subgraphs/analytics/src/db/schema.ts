import { sql } from 'drizzle-orm';
import {
  bigint,
  date,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * Analytics' read model, built only from events (see docs/analytics.md). Every table answers a
 * query in one index lookup, whatever the length of the history; the projection does not depend
 * on the order events arrive in, so a replay rebuilds the same answers.
 */

/** Integer cents: never floating point (docs/business-rules.md#fees-rewards-and-balances). */
const cents = (name: string) => bigint(name, { mode: 'number' });
const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const day = (name: string) => date(name, { mode: 'string' });

/**
 * Fees charged and rewards paid per billing day (the `day` of `transaction.applied`, so the
 * figures agree with accounting's), positive cents. Management earnings = fees − rewards.
 */
export const dailyEarnings = pgTable('daily_earnings', {
  day: day('day').primaryKey(),
  feesCharged: cents('fees_charged').notNull().default(0),
  rewardsPaid: cents('rewards_paid').notNull().default(0),
  transactions: integer('transactions').notNull().default(0),
});

/**
 * Each account's balance at the end of each billing day on which it had transactions (the
 * sum of its transactions of that day and before). Its balance at the end of any day is the
 * latest row on or before it; its current balance is its last row.
 */
export const accountDays = pgTable(
  'account_days',
  {
    accountId: uuid('account_id').notNull(),
    day: day('day').notNull(),
    balance: cents('balance').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.day] })],
);

/**
 * The number of popugs (accounts) in red from `day` on, until the next row: a row on each day
 * the number changed. The count at the end of day D is the latest row on or before D; the count
 * now is the last row.
 */
export const redCounts = pgTable('red_counts', {
  day: day('day').primaryKey(),
  popugs: integer('popugs').notNull(),
});

/**
 * What analytics knows of each task, joined from facts that arrive in any order on different
 * streams: title and Jira id (tasks), reward (`task.priced` or the `TASK_REWARD` transaction,
 * whichever comes first), completion (tasks). A task completed with a known reward is ranked
 * under the day, ISO week (its Monday) and month (its first) of its completion in the company
 * time zone; one index per period kind answers "most expensive" with one index probe.
 */
export const tasks = pgTable(
  'tasks',
  {
    id: uuid('id').primaryKey(),
    title: text('title'),
    jiraId: text('jira_id'),
    reward: cents('reward'),
    completedAt: instant('completed_at'),
    completedDay: day('completed_day'),
    completedWeek: day('completed_week'),
    completedMonth: day('completed_month'),
  },
  (t) => {
    const ranked = sql`${t.reward} is not null and ${t.completedAt} is not null`;
    // The query's ORDER BY exactly (`reward desc` puts nulls first in Postgres).
    const top = (name: string, period: typeof t.completedDay) =>
      index(name).on(period, t.reward.desc().nullsFirst(), t.completedAt.asc(), t.id.asc()).where(ranked);
    return [
      top('tasks_top_of_day_idx', t.completedDay),
      top('tasks_top_of_week_idx', t.completedWeek),
      top('tasks_top_of_month_idx', t.completedMonth),
    ];
  },
);

export type TaskRow = typeof tasks.$inferSelect;
