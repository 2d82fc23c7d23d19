/**
 * The event tables every service includes in its own drizzle schema (re-export them from the
 * service's tables file), so that its drizzle-kit migrations create them next to its state.
 * This file imports nothing but drizzle, so drizzle-kit can load it.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

/** Events written in the producer's transaction, published by the relay in `seq` order. */
export const outbox = pgTable(
  'outbox',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: uuid('id').notNull().unique(),
    /** Subject without the namespace (`users.user.created`); the relay adds its namespace. */
    subject: text('subject').notNull(),
    type: text('type').notNull(),
    version: integer('version').notNull(),
    aggregateId: text('aggregate_id'),
    /** The whole envelope. */
    payload: jsonb('payload').notNull(),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Null until JetStream acknowledged it; published rows are kept for the retention period. */
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  // An insert touches only the primary key, the id and the relay's queue of unpublished rows:
  // the indexes for retention (delete where published_at < …) and republish (created_at >= …
  // and published_at is not null) cover published rows only, so the relay's update fills them
  // (it rewrites every index entry of the row anyway, published_at being indexed). Writing
  // both on insert cost a 100k-task shuffle ~0.5 s.
  (t) => [
    index('outbox_unpublished_idx')
      .on(t.seq)
      .where(sql`${t.publishedAt} is null`),
    index('outbox_published_at_idx')
      .on(t.publishedAt)
      .where(sql`${t.publishedAt} is not null`),
    index('outbox_created_at_idx')
      .on(t.createdAt)
      .where(sql`${t.publishedAt} is not null`),
  ],
);

/** Events a consumer has applied; written in the same transaction as the effect. */
export const inbox = pgTable(
  'inbox',
  {
    consumer: text('consumer').notNull(),
    eventId: uuid('event_id').notNull(),
    type: text('type').notNull(),
    version: integer('version').notNull(),
    streamSeq: bigint('stream_seq', { mode: 'number' }),
    processedAt: timestamp('processed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.eventId] })],
);

export type DeadLetterStatus = 'dead' | 'replayed';

/** Messages a consumer gave up on, with the reason; an operator inspects and replays them. */
export const deadLetters = pgTable(
  'dead_letters',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    consumer: text('consumer').notNull(),
    stream: text('stream').notNull(),
    streamSeq: bigint('stream_seq', { mode: 'number' }).notNull(),
    subject: text('subject').notNull(),
    /** Null when the message was not a readable envelope. */
    eventId: text('event_id'),
    type: text('type'),
    version: integer('version'),
    /** The message body exactly as received (it may not even be JSON). */
    payload: text('payload').notNull(),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    reason: text('reason').notNull(),
    attempts: integer('attempts').notNull(),
    status: text('status').$type<DeadLetterStatus>().notNull().default('dead'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    replayedAt: timestamp('replayed_at', { withTimezone: true }),
  },
  (t) => [
    unique('dead_letters_message_key').on(t.consumer, t.stream, t.streamSeq),
    index('dead_letters_status_idx').on(t.status, t.id),
  ],
);

export type OutboxRow = typeof outbox.$inferSelect;
export type InboxRow = typeof inbox.$inferSelect;
export type DeadLetterRow = typeof deadLetters.$inferSelect;
