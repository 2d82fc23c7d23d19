import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The email worker's own copy of what it needs about users (name, email), kept current by
 * the users' events. `profileChangedAt` is the occurrence time of the last applied event,
 * so a late, older event never overwrites a newer profile; a row filled from the User
 * Service (fallback) has the epoch, so any event wins over it.
 */
export const recipients = pgTable('recipients', {
  userId: uuid('user_id').primaryKey(),
  login: text('login').notNull(),
  name: text('name').notNull(),
  email: text('email').notNull(),
  profileChangedAt: timestamp('profile_changed_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * One row per idempotency key that was sent, committed in the same transaction as the job's
 * inbox row: a job (or another job with the same key) is skipped once its row exists.
 */
export const sentEmails = pgTable(
  'sent_emails',
  {
    idempotencyKey: text('idempotency_key').primaryKey(),
    /** The job (event id) that sent it. */
    jobId: uuid('job_id').notNull(),
    userId: uuid('user_id').notNull(),
    template: text('template').notNull(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    /** Derived from the idempotency key: a re-send after a crash carries the same one. */
    messageId: text('message_id').notNull(),
    /** `smtp` or `file`, and where: the SMTP server's answer or the .eml path. */
    transport: text('transport').notNull(),
    detail: text('detail').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('sent_emails_user_idx').on(t.userId, t.sentAt)],
);

export type RecipientRow = typeof recipients.$inferSelect;
export type SentEmailRow = typeof sentEmails.$inferSelect;
