import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { integer, pgTable, serial, text, uuid } from 'drizzle-orm/pg-core';
import {
  applyMigrations,
  connectDatabase,
  DEFAULT_NATS_URL,
  DEFAULT_POSTGRES_URL,
  dropDatabase,
  withDatabase,
  type Database,
} from '@ates/service-kit';
import { connectNats, deadLetters, ensureStreams, inbox, makeEvent, outbox, streamName } from '@ates/events';

export const effects = pgTable('effects', {
  id: serial('id').primaryKey(),
  eventId: uuid('event_id').notNull(),
  type: text('type').notNull(),
  version: integer('version').notNull(),
});
export const schema = { outbox, inbox, deadLetters, effects };

export interface BenchEnv {
  url: string;
  namespace: string;
  database: Database<typeof schema>;
  nats: NatsConnection;
  jsm: JetStreamManager;
  close(): Promise<void>;
}

/** A throwaway database and NATS namespace (`bench<id>`), removed by close(). */
export async function createBenchEnv(): Promise<BenchEnv> {
  const id = randomBytes(4).toString('hex');
  const namespace = `bench${id}`;
  const url = withDatabase(
    process.env.ATES_BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
    `ates_bench_events_${id}`,
  );
  await applyMigrations(url, path.resolve(import.meta.dirname, '../../packages/events/drizzle'));
  const database = connectDatabase(url, schema, { max: 10, applicationName: 'ates-bench' });
  await database.sql`create table effects (id serial primary key, event_id uuid not null, type text not null, version int not null)`;
  await database.sql`create table raw_rows (id uuid primary key, payload jsonb not null)`;
  const nats = await connectNats(process.env.NATS_URL ?? DEFAULT_NATS_URL, { name: 'ates-bench' });
  const jsm = await jetstreamManager(nats);
  await ensureStreams(jsm, namespace);
  return {
    url,
    namespace,
    database,
    nats,
    jsm,
    async close() {
      for (const info of await jsm.streams.list().next()) {
        if (info.config.name.startsWith(namespace.toUpperCase())) await jsm.streams.delete(info.config.name);
      }
      await nats.close();
      await database.close();
      await dropDatabase(url);
    },
  };
}

export function benchEvent() {
  const userId = randomUUID();
  const login = `popug-${userId.slice(0, 8)}`;
  return makeEvent({
    type: 'user.created',
    version: 1,
    producer: 'bench',
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

export const rawStream = (namespace: string) => streamName(namespace, 'raw');

export function rate(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}
