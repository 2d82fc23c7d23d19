import { randomUUID } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { integer, pgTable, serial, text, uuid } from 'drizzle-orm/pg-core';
import { connectDatabase, createLogger, type Database } from '@ates/service-kit';
import {
  createTestDatabase,
  createTestNamespace,
  perFile,
  testNatsUrl,
  type TestDatabase,
} from '@ates/testing';
import {
  connectNats,
  deadLetters,
  ensureStreams,
  inbox,
  makeEvent,
  outbox,
  removeStreams,
} from '../../src/index.ts';
import { createEventTables } from './event-tables.ts';

/** A consumer's observable effect in the tests: one row per handler run that committed. */
export const effects = pgTable('effects', {
  id: serial('id').primaryKey(),
  consumer: text('consumer').notNull(),
  eventId: uuid('event_id').notNull(),
  type: text('type').notNull(),
  version: integer('version').notNull(),
  note: text('note').notNull().default(''),
});

export const schema = { outbox, inbox, deadLetters, effects };
export type TestSchema = typeof schema;

export const logger = createLogger({ service: 'events-test', level: process.env.LOG_LEVEL ?? 'silent' });

export interface EventsHarness {
  namespace: string;
  testDb: TestDatabase;
  database: Database<TestSchema>;
  nats: NatsConnection;
  jsm: JetStreamManager;
  close(): Promise<void>;
}

/**
 * One database (event tables as a service's drizzle-kit migration creates them, plus an
 * effects table) and one NATS namespace with its streams, owned by one test file.
 */
export async function createHarness(label: string): Promise<EventsHarness> {
  const namespace = createTestNamespace();
  const testDb = await createTestDatabase(label);
  await createEventTables(testDb.url);
  const database = connectDatabase(testDb.url, schema, { max: 8 });
  await database.sql`create table effects (
    id serial primary key, consumer text not null, event_id uuid not null,
    type text not null, version int not null, note text not null default '')`;
  const nats = await connectNats(testNatsUrl(), { name: `events-test-${label}` });
  const jsm = await jetstreamManager(nats);
  await ensureStreams(jsm, namespace);
  return {
    namespace,
    testDb,
    database,
    nats,
    jsm,
    async close() {
      await removeStreams(jsm, namespace).catch((error: unknown) => {
        logger.warn({ err: error }, 'stream cleanup failed (the run teardown sweeps it)');
      });
      await nats.close();
      await database.close();
      await testDb.drop();
    },
  };
}

/** The test file's harness: made before its tests, closed after them. */
export const harnessPerFile = (label: string): EventsHarness =>
  perFile(
    () => createHarness(label),
    (h) => h.close(),
  );

export function userCreated(login = `popug-${randomUUID().slice(0, 8)}`, userId: string = randomUUID()) {
  return makeEvent({
    type: 'user.created',
    version: 1,
    producer: 'users',
    aggregateId: userId,
    data: {
      userId,
      login,
      name: login,
      email: `${login}@example.com`,
      role: 'WORKER',
      createdAt: new Date().toISOString(),
    },
  });
}

export function roleChanged(userId: string, role: 'WORKER' | 'MANAGER', previousRole: 'WORKER' | 'MANAGER') {
  return makeEvent({
    type: 'user.role-changed',
    version: 1,
    producer: 'users',
    aggregateId: userId,
    data: { userId, role, previousRole },
  });
}
