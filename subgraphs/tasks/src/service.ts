import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { startSubgraph, type SubgraphSettings } from '@ates/events';
import { cryptoRandom, systemClock, type Clock, type RandomSource } from '@ates/service-kit';
import * as tables from './db/tables.ts';
import { makeContext, makeContextFactory } from './context.ts';
import { keepPopugsWhenUsersChange } from './events/keep-popugs-when-users-change.ts';
import { resolvers } from './resolvers/index.ts';
import type { TasksDeps } from './use-cases/deps.ts';

const packageDir = path.resolve(import.meta.dirname, '..');
export const typeDefs = parse(fs.readFileSync(path.join(packageDir, 'schema.graphql'), 'utf8'));
export const migrationsFolder = path.join(packageDir, 'drizzle');

export interface TasksServiceConfig extends SubgraphSettings {
  clock?: Clock;
  random?: RandomSource;
}

export interface TasksService {
  url: string;
  deps: TasksDeps;
  /** Resolves when the users' events published so far are applied (tests). */
  usersCaughtUp(): Promise<void>;
  /** Live-feed listeners and open sockets (tests assert that unsubscribing releases them). */
  liveStats(): { listeners: number; sockets: number };
  /** Resolves when every event written so far is published (tests). */
  outboxDrained(): Promise<void>;
  stop(): Promise<void>;
}

/** Its metrics label (`ates-tasks` its clients' name), its schema, and that it produces events. */
const TASKS_SUBGRAPH = { name: 'tasks', tables, migrationsFolder, producesEvents: true };

/** The task tracker: users' events in, task events out, GraphQL over HTTP and graphql-ws. */
export async function startTasksService(config: TasksServiceConfig): Promise<TasksService> {
  const subgraph = await startSubgraph(TASKS_SUBGRAPH, config, async (runtime) => {
    const { database, reads, verifier, logger, consume, liveFeed } = runtime;
    const usersConsumer = await consume({
      name: 'tasks-popugs',
      domain: 'users',
      handlers: keepPopugsWhenUsersChange,
    });
    const deps: TasksDeps = {
      db: database.db,
      reads: reads.db,
      sql: database.sql,
      clock: config.clock ?? systemClock,
      random: config.random ?? cryptoRandom,
      logger,
      newId: randomUUID,
    };
    const feed = liveFeed();
    return {
      schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
      context: makeContextFactory(deps, feed, verifier),
      subscriptions: { verifier, context: (viewer) => makeContext(deps, feed, viewer) },
      handle: { deps, feed, usersConsumer },
    };
  });
  const { deps, feed, usersConsumer } = subgraph.handle;
  return {
    url: subgraph.url,
    deps,
    usersCaughtUp: () => usersConsumer.caughtUp(),
    liveStats: () => ({ listeners: feed.listenerCount(), sockets: subgraph.graphql.sockets() }),
    outboxDrained: () => subgraph.outboxDrained(),
    stop: subgraph.stop,
  };
}
